"""EC2: the job's subnets (routes to the internet, zones) and security groups (egress)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.aws.responses import plain
from checker.enrich.fetcher import Facts, JobReader, Unreadable


def subnet(reader: JobReader, subnet_id: str) -> Facts:
    region = reader.need_region(f"subnet {subnet_id}")
    facts: Facts = reader.once(
        "subnet", region, subnet_id, fetch=lambda: _subnet(reader, subnet_id, region)
    )
    return facts


def _subnet(reader: JobReader, subnet_id: str, region: str) -> Facts:
    found = reader.call("ec2", region, "DescribeSubnets", SubnetIds=[subnet_id])["Subnets"]
    if not found:
        raise Unreadable(f"could not be read: ec2:DescribeSubnets: no subnet {subnet_id}")
    subnet = found[0]
    vpc = subnet.get("VpcId")
    facts: dict[str, Any] = {
        "id": subnet_id,
        "vpcId": vpc,
        "availabilityZone": subnet.get("AvailabilityZone"),
        "availabilityZoneId": subnet.get("AvailabilityZoneId"),
        "cidrBlock": subnet.get("CidrBlock"),
        "mapPublicIpOnLaunch": bool(subnet.get("MapPublicIpOnLaunch")),
        "routeTable": None,
        "internetRoutes": None,
        "internetGatewayRoutes": None,
        "private": None,
        "s3GatewayEndpoint": None,
    }
    unknown: dict[str, str] = {}
    try:
        tables = reader.call(
            "ec2",
            region,
            "DescribeRouteTables",
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}],
        )["RouteTables"]
        main = not tables
        table = (
            tables[0]
            if tables
            else reader.once(
                "main-route-table", region, vpc, fetch=lambda: _main_table(reader, region, vpc)
            )
        )
        routes = internet_routes(table.get("Routes") or ())
        facts["routeTable"] = {"id": table.get("RouteTableId"), "main": main}
        facts["internetRoutes"] = routes
        facts["internetGatewayRoutes"] = [
            route["destination"] for route in routes if route["target"].startswith("igw-")
        ]
        facts["private"] = not routes
    except Unreadable as exc:
        unknown["private"] = exc.reason
        unknown["s3GatewayEndpoint"] = exc.reason
        return facts, unknown
    try:
        endpoints = reader.once(
            "s3-gateway-endpoints", region, vpc, fetch=lambda: _s3_endpoints(reader, region, vpc)
        )
        table_id = facts["routeTable"]["id"]
        facts["s3GatewayEndpoint"] = any(table_id in tables for tables in endpoints.values())
    except Unreadable as exc:
        unknown["s3GatewayEndpoint"] = exc.reason
    return facts, unknown


# Route targets that lead out of the VPC. A route to an internet gateway does whatever its
# destination; the others lead out when they are a default route (everything not more specific).
_EXIT_TARGETS = (
    ("GatewayId", "igw-"),
    ("NatGatewayId", "nat-"),
    ("EgressOnlyInternetGatewayId", "eigw-"),
    ("TransitGatewayId", "tgw-"),
    ("VpcPeeringConnectionId", "pcx-"),
    ("GatewayId", "vgw-"),
)
_DEFAULT_ROUTES = frozenset({"0.0.0.0/0", "::/0"})


def internet_routes(routes: Any) -> list[dict[str, str]]:
    """The routes of a table that can reach the internet: any route to an internet gateway, and
    default routes to a NAT gateway, egress-only internet gateway, transit gateway, virtual
    private gateway or peering connection (where the traffic may leave through another network)."""
    found: list[dict[str, str]] = []
    for route in routes:
        if not isinstance(route, Mapping) or route.get("State") == "blackhole":
            continue
        destination = str(
            route.get("DestinationCidrBlock")
            or route.get("DestinationIpv6CidrBlock")
            or route.get("DestinationPrefixListId")
        )
        for field, prefix in _EXIT_TARGETS:
            target = str(route.get(field) or "")
            if target.startswith(prefix) and (prefix == "igw-" or destination in _DEFAULT_ROUTES):
                found.append({"destination": destination, "target": target})
                break
    return found


def _s3_endpoints(reader: JobReader, region: str, vpc: Any) -> dict[str, list[str]]:
    """The VPC's available S3 gateway endpoints: {endpoint id: its route table ids}."""
    answer = reader.call(
        "ec2",
        region,
        "DescribeVpcEndpoints",
        Filters=[
            {"Name": "vpc-id", "Values": [str(vpc)]},
            {"Name": "vpc-endpoint-type", "Values": ["Gateway"]},
            {"Name": "service-name", "Values": [f"com.amazonaws.{region}.s3"]},
        ],
    )
    return {
        str(endpoint.get("VpcEndpointId")): [str(t) for t in endpoint.get("RouteTableIds") or ()]
        for endpoint in answer.get("VpcEndpoints") or ()
        if str(endpoint.get("State", "available")).lower() == "available"
    }


def _main_table(reader: JobReader, region: str, vpc: Any) -> Any:
    tables = reader.call(
        "ec2",
        region,
        "DescribeRouteTables",
        Filters=[
            {"Name": "vpc-id", "Values": [str(vpc)]},
            {"Name": "association.main", "Values": ["true"]},
        ],
    )["RouteTables"]
    if not tables:
        raise Unreadable(f"could not be read: ec2:DescribeRouteTables: {vpc} has no main table")
    return tables[0]


def security_group(reader: JobReader, group_id: str) -> Facts:
    region = reader.need_region(f"security group {group_id}")
    return reader.once("sg", region, group_id, fetch=lambda: _group(reader, group_id, region))  # type: ignore[no-any-return]


def _group(reader: JobReader, group_id: str, region: str) -> Facts:
    found = reader.call("ec2", region, "DescribeSecurityGroups", GroupIds=[group_id])
    groups = found["SecurityGroups"]
    if not groups:
        raise Unreadable(f"could not be read: ec2:DescribeSecurityGroups: no group {group_id}")
    group = groups[0]
    egress = plain(group.get("IpPermissionsEgress") or [])
    return {
        "id": group_id,
        "name": group.get("GroupName"),
        "vpcId": group.get("VpcId"),
        "egress": egress,
        "openEgress": any(_open_to_all(permission) for permission in egress),
    }, {}


def _open_to_all(permission: Mapping[str, Any]) -> bool:
    """Egress on every port (all protocols, or TCP/UDP 0-65535) to 0.0.0.0/0 or ::/0."""
    protocol = str(permission.get("IpProtocol"))
    every_port = protocol == "-1" or (
        protocol in ("tcp", "udp", "6", "17")
        and permission.get("FromPort") in (0, None)
        and permission.get("ToPort") in (65535, None)
    )
    anywhere = any(r.get("CidrIp") == "0.0.0.0/0" for r in permission.get("IpRanges") or ()) or any(
        r.get("CidrIpv6") == "::/0" for r in permission.get("Ipv6Ranges") or ()
    )
    return every_port and anywhere
