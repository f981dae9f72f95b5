"""checker.aws.organization and the audit role's session: account ids, option checks, role ARNs,
Bedrock's regions, and credentials refreshed before they expire."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from checker.aws import organization
from checker.aws import session as aws_session
from checker.aws.connection import Connection
from checker.errors import CheckerError


def test_account_ids_from_words_and_files(tmp_path: Path) -> None:
    listed = tmp_path / "accounts.txt"
    listed.write_text("# audited\n111122223333  # prod\n444455556666,777788889999\n\n")
    assert organization.account_ids(
        ["222233334444", f"@{listed}", "111122223333"], "--accounts"
    ) == ("222233334444", "111122223333", "444455556666", "777788889999")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["12345"], "--accounts 12345: not a 12-digit AWS account id"),
        (["@{folder}/missing.txt"], "--accounts @{folder}/missing.txt: cannot read: No such file"),
        (["@{folder}/bad.txt"], "{folder}/bad.txt:2: 'prod' is not a 12-digit account id"),
    ],
)
def test_a_bad_account_id_is_one_line_naming_it(
    tmp_path: Path, values: list[str], message: str
) -> None:
    (tmp_path / "bad.txt").write_text("111122223333\nprod\n")
    with pytest.raises(CheckerError) as caught:
        organization.account_ids([v.format(folder=tmp_path) for v in values], "--accounts")
    assert str(caught.value).startswith(message.format(folder=tmp_path))


@pytest.mark.parametrize(
    ("connection", "message"),
    [
        (Connection(ous=("ou-ab12-cdef3456",)), "--ou narrows --organization"),
        (Connection(organization=True, ous=("ou-1",)), "--ou ou-1: not an organizational unit id"),
        (Connection(exclude_accounts=("111122223333",)), "--exclude-account applies to"),
        (
            Connection(organization=True, assume_roles=("arn:aws:iam::111122223333:role/x",)),
            "--assume-role names one role per account",
        ),
        (Connection(role_name="Audit"), "--role-name applies to --organization or --accounts"),
        (Connection(organization=True, role_name="bad name"), "--role-name bad name: not an IAM"),
        (Connection(external_id="x"), "--external-id applies to"),
        (Connection(shard=(1, 2)), "--shard splits an audit of several accounts"),
        (Connection(organization=True, no_sign_request=True), "cannot be combined"),
    ],
)
def test_contradictory_audit_options_are_refused(connection: Connection, message: str) -> None:
    with pytest.raises(CheckerError, match=message):
        organization.check_audit_options(connection)


def test_region_all_stands_alone() -> None:
    assert organization.audit_regions(("all",)) is True
    assert organization.audit_regions(("us-east-1",)) is False
    with pytest.raises(CheckerError, match="--region all covers every region: give it alone"):
        organization.audit_regions(("all", "us-east-1"))


def test_role_arns_and_bedrock_regions_follow_the_partition() -> None:
    session = boto3.session.Session(region_name="us-east-1")
    assert (
        organization.role_arn(session, "111122223333", "BedrockCheckerAudit", "us-gov-west-1")
        == "arn:aws-us-gov:iam::111122223333:role/BedrockCheckerAudit"
    )
    assert (
        organization.role_arn(session, "111122223333", "/security/Audit", "eu-west-1")
        == "arn:aws:iam::111122223333:role/security/Audit"
    )
    regions = organization.bedrock_regions(session, "eu-west-1")
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= set(regions)
    assert not any(region.startswith("us-gov-") for region in regions)
    assert regions == sorted(regions)


class _Sts:
    """An STS client that answers AssumeRole with credentials expiring ``lifetime`` from now."""

    def __init__(self, lifetime: datetime.timedelta) -> None:
        self.lifetime = lifetime
        self.calls: list[dict[str, Any]] = []

    def assume_role(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        number = len(self.calls)
        return {
            "Credentials": {
                "AccessKeyId": f"ASIAEXAMPLE{number:05d}",
                "SecretAccessKey": f"secret-{number}",
                "SessionToken": f"token-{number}",
                "Expiration": datetime.datetime.now(datetime.UTC) + self.lifetime,
            }
        }


def test_assumed_credentials_are_refreshed_before_they_expire() -> None:
    sts = _Sts(datetime.timedelta(minutes=5))  # inside botocore's 15-minute refresh window
    connection = Connection(external_id="audit-2026")
    caller = boto3.session.Session(region_name="us-east-1")

    assumed = aws_session.assume_role(
        connection, caller, "arn:aws:iam::111122223333:role/BedrockCheckerAudit", sts
    )
    first = assumed.get_credentials().get_frozen_credentials()
    second = assumed.get_credentials().get_frozen_credentials()

    assert len(sts.calls) >= 2  # assumed at once, and again as the expiry approached
    assert first.access_key != "ASIAEXAMPLE00001"  # the first credentials were replaced
    assert second.access_key == f"ASIAEXAMPLE{len(sts.calls):05d}"  # by the latest ones
    assert sts.calls[0] == {
        "RoleArn": "arn:aws:iam::111122223333:role/BedrockCheckerAudit",
        "RoleSessionName": "bedrock-checker",
        "ExternalId": "audit-2026",
    }


def test_long_lived_credentials_are_not_refreshed() -> None:
    sts = _Sts(datetime.timedelta(hours=1))
    caller = boto3.session.Session(region_name="us-east-1")

    assumed = aws_session.assume_role(Connection(), caller, "arn:aws:iam::1:role/x", sts)
    assert assumed.get_credentials().get_frozen_credentials().token == "token-1"

    assert len(sts.calls) == 1
    assert "ExternalId" not in sts.calls[0]
    # The caller's service models are shared, not loaded again per account.
    assert assumed._session.get_component("data_loader") is caller._session.get_component(
        "data_loader"
    )
