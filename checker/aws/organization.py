"""Which accounts and regions an audit covers: AWS Organizations, explicit ids, --region all.

boto3 and botocore are imported inside functions, so that importing this module stays light.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from checker.aws.connection import Connection
from checker.aws.errors import error_text
from checker.errors import CheckerError

# The role assumed in each account of an organisation audit (examples/aws/ creates it).
DEFAULT_ROLE_NAME = "BedrockCheckerAudit"
ALL_REGIONS = "all"

_ACCOUNT = re.compile(r"^\d{12}$")
_OU = re.compile(r"^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$")
_ROLE_NAME = re.compile(r"^(/?[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")


def account_ids(values: Iterable[str], option: str) -> tuple[str, ...]:
    """Twelve-digit account ids, each given as is or in an @FILE (one per line, # comments)."""
    ids: list[str] = []
    for value in values:
        if value.startswith("@"):
            ids.extend(_ids_in_file(value[1:], option))
            continue
        for word in value.replace(",", " ").split():
            if not _ACCOUNT.match(word):
                raise CheckerError(f"{option} {word}: not a 12-digit AWS account id")
            ids.append(word)
    return tuple(dict.fromkeys(ids))


def _ids_in_file(name: str, option: str) -> list[str]:
    try:
        text = Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise CheckerError(f"{option} @{name}: cannot read: {reason}") from exc
    ids = []
    for number, line in enumerate(text.splitlines(), 1):
        for word in line.split("#", 1)[0].replace(",", " ").split():
            if not _ACCOUNT.match(word):
                raise CheckerError(f"{name}:{number}: {word[:40]!r} is not a 12-digit account id")
            ids.append(word)
    return ids


def check_audit_options(connection: Connection) -> None:
    """Refuse contradictory audit options before any call is made."""
    audit = connection.organization or bool(connection.accounts)
    if connection.ous and not connection.organization:
        raise CheckerError("--ou narrows --organization: give --organization too")
    for ou in connection.ous:
        if not _OU.match(ou):
            raise CheckerError(
                f"--ou {ou}: not an organizational unit id (ou-xxxx-xxxxxxxx or r-xxxx)"
            )
    if connection.exclude_accounts and not audit:
        raise CheckerError("--exclude-account applies to --organization or --accounts")
    if audit and connection.assume_roles:
        raise CheckerError(
            "--assume-role names one role per account; with --organization or --accounts, "
            "give --role-name instead"
        )
    if connection.role_name is not None and not audit:
        raise CheckerError("--role-name applies to --organization or --accounts")
    if connection.role_name is not None and not _ROLE_NAME.match(connection.role_name):
        raise CheckerError(f"--role-name {connection.role_name}: not an IAM role name")
    if connection.external_id is not None and not (audit or connection.assume_roles):
        raise CheckerError("--external-id applies to --assume-role, --organization or --accounts")
    if audit and connection.no_sign_request:
        raise CheckerError(
            "--organization and --accounts cannot be combined with --no-sign-request"
        )
    if connection.shard is not None and not audit:
        raise CheckerError(
            "--shard splits an audit of several accounts: give --organization or --accounts"
        )


def discover_accounts(connection: Connection, session: Any) -> list[str]:
    """The accounts to audit: the organisation's active ones (under --ou), plus --accounts,
    minus --exclude-account; sorted."""
    found: list[str] = list(connection.accounts)
    if connection.organization:
        found.extend(_organization_accounts(connection, session))
    excluded = set(connection.exclude_accounts)
    return sorted({account for account in found if account not in excluded})


def _organization_accounts(connection: Connection, session: Any) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    from checker.aws.session import STS_FALLBACK_REGION, client_config, verify_option

    region = session.region_name or STS_FALLBACK_REGION
    client = session.client(
        "organizations",
        region_name=region,
        verify=verify_option(connection),
        config=client_config(connection, session, region),
    )
    try:
        if not connection.ous:
            accounts = list(_pages(client, "list_accounts", "Accounts"))
        else:
            accounts = [a for ou in dict.fromkeys(connection.ous) for a in _under(client, ou)]
    except (ClientError, BotoCoreError) as exc:
        raise CheckerError(
            f"--organization: cannot list the organisation's accounts ({error_text(exc)}); "
            "run from the management account or a delegated administrator, with "
            "organizations:ListAccounts, ListAccountsForParent and "
            "ListOrganizationalUnitsForParent"
        ) from exc
    # Suspended and closing accounts cannot be audited: they are left out, not errored.
    return [str(a["Id"]) for a in accounts if _active(a)]


def _active(account: dict[str, Any]) -> bool:
    state = account.get("State")  # the newer field; Status is deprecated but still sent
    return (state == "ACTIVE") if state else account.get("Status") == "ACTIVE"


def _under(client: Any, parent: str) -> Iterable[dict[str, Any]]:
    """Accounts under an OU or root, in nested OUs too (breadth first)."""
    pending = [parent]
    while pending:
        current = pending.pop(0)
        yield from _pages(client, "list_accounts_for_parent", "Accounts", ParentId=current)
        for unit in _pages(
            client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=current
        ):
            pending.append(str(unit["Id"]))


def _pages(client: Any, operation: str, key: str, **params: Any) -> Iterable[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key) or ()


def role_arn(session: Any, account: str, role_name: str, region: str | None) -> str:
    """The audit role's ARN in ``account``, in the partition of the region worked in."""
    partition = session.get_partition_for_region(region) if region else "aws"
    return f"arn:{partition}:iam::{account}:role/{role_name.strip('/')}"


def bedrock_regions(session: Any, region: str | None) -> list[str]:
    """Regions where botocore's endpoint data offers Bedrock, in the partition worked in."""
    partition = session.get_partition_for_region(region) if region else "aws"
    return sorted(session.get_available_regions("bedrock", partition_name=partition))


def enabled_regions(connection: Connection, session: Any, region: str) -> set[str]:
    """The regions enabled for the session's account (EC2 DescribeRegions lists only those).

    Raises botocore's errors: the caller makes them an errored scope of the account.
    """
    from checker.aws.session import client_config, verify_option

    client = session.client(
        "ec2",
        region_name=region,
        verify=verify_option(connection),
        config=client_config(connection, session, region),
    )
    return {str(r["RegionName"]) for r in client.describe_regions().get("Regions") or ()}


def audit_regions(names: Sequence[str]) -> bool:
    """Whether --region all was given (alone: it cannot be mixed with named regions)."""
    if ALL_REGIONS not in names:
        return False
    if len(set(names)) > 1:
        raise CheckerError("--region all covers every region: give it alone")
    return True


def caller_regions(connection: Connection, session: Any) -> list[str]:
    """--region all for the caller's own account: Bedrock's regions that it has enabled."""
    from botocore.exceptions import BotoCoreError, ClientError

    from checker.aws.errors import scope_message
    from checker.aws.session import STS_FALLBACK_REGION

    home = session.region_name or STS_FALLBACK_REGION
    try:
        enabled = enabled_regions(connection, session, home)
    except (ClientError, BotoCoreError) as exc:
        message = scope_message(exc, "cannot list the account's enabled regions")
        raise CheckerError(f"--region all: {message}") from exc
    return [region for region in bedrock_regions(session, home) if region in enabled]
