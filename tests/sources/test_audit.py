"""Organisation audits end to end: the installed CLI against a moto server holding an
organisation of 22 accounts over nested OUs, jobs created through assumed roles in several
accounts and regions, one account whose audit role cannot be assumed and one suspended account.
Shards 1..4 merged give the unsharded run's jobs, findings, counts and SARIF results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from helpers.live import DenyingProxy, cli_env, create_job, moto_server, run_cli

pytestmark = pytest.mark.slow  # the CLI runs in its own process, many times

REGIONS = ("us-east-1", "eu-west-1")
MANAGEMENT = "123456789012"  # moto's default account: the organisation's management account


@dataclass
class Organisation:
    url: str
    sts_url: str
    root: str
    ous: dict[str, str] = field(default_factory=dict)  # name -> id
    accounts: dict[str, str] = field(default_factory=dict)  # id -> OU name ("root")
    jobs: dict[str, list[str]] = field(default_factory=dict)  # account -> job ARNs
    open_jobs: set[str] = field(default_factory=set)  # no VPC: one BMC001 finding each
    broken: str = ""  # its audit role cannot be assumed
    suspended: str = ""

    def under(self, *names: str) -> set[str]:
        return {a for a, ou in self.accounts.items() if any(ou.startswith(n) for n in names)}


def _client(url: str, service: str, region: str = "us-east-1", **credentials: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=credentials.get("key", "testing"),
        aws_secret_access_key=credentials.get("secret", "testing"),
        aws_session_token=credentials.get("token"),
    )


def build(url: str) -> Organisation:
    orgs = _client(url, "organizations")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    organisation = Organisation(url, "", root)
    # OU tree: A (A1 (A1x), A2), B (B1); 4 accounts under each OU; 2 under the root.
    tree = {"A": root, "A1": "A", "A1x": "A1", "A2": "A", "B": root, "B1": "B"}
    for name, parent in tree.items():
        parent_id = root if parent == root else organisation.ous[parent]
        unit = orgs.create_organizational_unit(ParentId=parent_id, Name=name)
        organisation.ous[name] = unit["OrganizationalUnit"]["Id"]
    organisation.accounts[MANAGEMENT] = "root"
    for name in [*(f"{ou}-{i}" for ou in tree for i in range(3)), "root-0", "root-1", "root-2"]:
        status = orgs.create_account(AccountName=name, Email=f"{name}@example.com")
        account = status["CreateAccountStatus"]["AccountId"]
        ou = name.rsplit("-", 1)[0]
        if ou != "root":
            orgs.move_account(
                AccountId=account, SourceParentId=root, DestinationParentId=organisation.ous[ou]
            )
        organisation.accounts[account] = ou
    # The suspended account holds jobs (in A2), which must not be reported.
    organisation.suspended = max(organisation.under("A2"))
    orgs.close_account(AccountId=organisation.suspended)
    members = sorted(
        a for a in organisation.accounts if a not in (MANAGEMENT, organisation.suspended)
    )
    organisation.broken = members[0]
    # Jobs in the accounts of A1x, A2 and B1 (and the broken one), in both regions.
    sts = _client(url, "sts")
    index = 0
    for account in sorted(organisation.under("A1x", "A2", "B1") | {organisation.broken}):
        role = f"arn:aws:iam::{account}:role/Seeder"
        credentials = sts.assume_role(RoleArn=role, RoleSessionName="seed")["Credentials"]
        keys = {
            "key": credentials["AccessKeyId"],
            "secret": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
        }
        for region in REGIONS:
            bedrock = _client(url, "bedrock", region, **keys)
            for _ in range(2):
                overrides = {"vpcConfig": None} if index % 3 == 0 else {}
                arn = create_job(bedrock, f"org-job-{index:03d}", **overrides)
                organisation.jobs.setdefault(account, []).append(arn)
                if index % 3 == 0:
                    organisation.open_jobs.add(arn)
                index += 1
    return organisation


@pytest.fixture(scope="module")
def organisation() -> Iterator[Organisation]:
    with moto_server() as url:
        organisation = build(url)
        proxy = DenyingProxy(url, [f"iam::{organisation.broken}:role/BedrockCheckerAudit"])
        with proxy.running() as sts_url:
            organisation.sts_url = sts_url
            yield organisation


def scan(organisation: Organisation, tmp_path: Path, name: str, *args: str) -> tuple[int, Path]:
    out = tmp_path / name
    out.mkdir()
    env = cli_env(
        tmp_path,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL_STS=organisation.sts_url,
        AWS_ENDPOINT_URL_ORGANIZATIONS=organisation.url,
        AWS_ENDPOINT_URL_EC2=organisation.url,
    )
    result = run_cli(
        env, "scan", "--endpoint-url", organisation.url,
        "--json", str(out / "report.json"), "--sarif", str(out / "results.sarif"),
        "--markdown", str(out / "summary.md"), "-o", str(out / "report.txt"), *args,
    )  # fmt: skip
    assert result.returncode in (0, 1, 3), result.stderr
    return result.returncode, out


def merge(tmp_path: Path, name: str, reports: list[Path]) -> tuple[int, Path, str]:
    out = tmp_path / name
    out.mkdir()
    result = run_cli(
        cli_env(tmp_path), "merge", *map(str, reports), "--json", str(out / "report.json"),
        "--sarif", str(out / "results.sarif"), "--markdown", str(out / "summary.md"),
        "-o", str(out / "report.txt"),
    )  # fmt: skip
    return result.returncode, out, result.stderr


def region_args() -> list[str]:
    return [word for region in REGIONS for word in ("--region", region)]


def read(out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return json.loads((out / "report.json").read_text()), json.loads(
        (out / "results.sarif").read_text()
    )


def test_every_reachable_account_is_scanned_and_the_broken_one_is_errored(
    organisation: Organisation, tmp_path: Path
) -> None:
    code, out = scan(organisation, tmp_path, "all", "--organization", *region_args())

    report, sarif = read(out)
    assert code == 3  # the broken account's scopes could not be read
    scanned = {s["account"] for s in report["scopes"]}
    active = set(organisation.accounts) - {organisation.suspended}
    assert scanned == active  # the suspended account is not scanned
    errored = [s for s in report["scopes"] if s["error"]]
    assert {(s["account"], s["region"]) for s in errored} == {
        (organisation.broken, region) for region in REGIONS
    }
    assert all("cannot assume role" in s["error"] and "AccessDenied" in s["error"] for s in errored)
    found = {job["arn"] for job in report["jobs"] if not job["error"]}
    expected = {
        arn for account, arns in organisation.jobs.items()
        if account not in (organisation.broken, organisation.suspended)
        for arn in arns
    }  # fmt: skip
    assert found == expected
    errors = [job for job in report["jobs"] if job["error"]]
    assert {(e["source"]["account"], e["source"]["region"]) for e in errors} == {
        (organisation.broken, region) for region in REGIONS
    }
    summary = report["summary"]
    assert (summary["jobs"], summary["errored"]) == (len(expected) + 2, 2)
    assert summary["findings"] == len(sarif["runs"][0]["results"])
    assert sum(1 for f in sarif["runs"][0]["results"] if f["ruleId"] == "BMC001") == len(
        organisation.open_jobs & expected
    )
    assert organisation.open_jobs & expected
    assert not found & set(organisation.jobs[organisation.suspended])
    # The per-account table ends the text and Markdown reports.
    text = (out / "report.txt").read_text()
    table = text[text.index("account  ") :].splitlines()
    broken_row = next(line for line in table if line.startswith(organisation.broken))
    assert broken_row.split()[1:] == ["2", "0", "2", "0"]
    assert len([line for line in table if line[:12].isdigit()]) == len(active)
    markdown = (out / "summary.md").read_text()
    assert "### Accounts" in markdown
    assert f"| {organisation.broken} | 2 | 0 | 2 | 0 |" in markdown


def test_ou_narrows_to_the_accounts_under_it_nested_ones_included(
    organisation: Organisation, tmp_path: Path
) -> None:
    code, out = scan(
        organisation, tmp_path, "ou", "--organization", "--ou", organisation.ous["A1"],
        "--ou", organisation.ous["B"], "--region", "us-east-1",
    )  # fmt: skip

    report, _ = read(out)
    expected = organisation.under("A1", "B") - {organisation.suspended}
    assert {s["account"] for s in report["scopes"]} == expected
    assert organisation.under("A1x") <= expected  # nested under A1
    assert code == (3 if organisation.broken in expected else 1)
    accounts = {job["arn"].split(":")[4] for job in report["jobs"] if job["arn"]}
    assert accounts <= expected and accounts


def test_accounts_region_all_and_exclude(organisation: Organisation, tmp_path: Path) -> None:
    with_jobs = sorted(a for a in organisation.jobs if a != organisation.broken)
    listed = tmp_path / "accounts.txt"
    listed.write_text("# audited\n" + "\n".join(with_jobs[:3]) + "\n")

    code, out = scan(
        organisation, tmp_path, "listed", "--accounts", f"@{listed}",
        "--exclude-account", with_jobs[2], "--region", "all",
    )  # fmt: skip

    report, _ = read(out)
    assert code in (0, 1)
    assert {s["account"] for s in report["scopes"]} == set(with_jobs[:2])
    regions = {s["region"] for s in report["scopes"]}
    assert set(REGIONS) <= regions and len(regions) > 10  # Bedrock's regions that moto enables
    found = {job["arn"] for job in report["jobs"]}
    assert found == {arn for account in with_jobs[:2] for arn in organisation.jobs[account]}


@pytest.fixture(scope="module")
def single(organisation: Organisation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The unsharded run's reports."""
    return scan(organisation, tmp_path_factory.mktemp("single"), "out", "--organization",
                *region_args())[1]  # fmt: skip


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_the_merge_of_n_shards_equals_the_single_run(
    organisation: Organisation, single: Path, tmp_path: Path, count: int
) -> None:
    shards = [
        scan(organisation, tmp_path, f"shard-{k}", "--organization", *region_args(),
             "--shard", f"{k}/{count}")[1] / "report.json"
        for k in range(1, count + 1)
    ]  # fmt: skip
    shares = [len(json.loads(path.read_text())["scopes"]) for path in shards]
    assert max(shares) - min(shares) <= 1  # balanced

    code, merged, stderr = merge(tmp_path, "merged", shards)

    assert code == 3, stderr
    (one, one_sarif), (many, many_sarif) = read(single), read(merged)
    assert many["summary"] == one["summary"]
    assert many["jobs"] == one["jobs"]  # same order, outcomes, findings and fingerprints
    assert many["scopes"] == one["scopes"]
    assert many["exitCode"] == one["exitCode"] == 3
    assert many_sarif["runs"][0]["results"] == one_sarif["runs"][0]["results"]
    assert many_sarif["runs"][0]["automationDetails"] == one_sarif["runs"][0]["automationDetails"]
    assert (merged / "summary.md").read_text() == (single / "summary.md").read_text()
    text_one = (single / "report.txt").read_text()
    assert (merged / "report.txt").read_text() == text_one


def test_merge_refuses_an_incomplete_set_and_mixed_policies(
    organisation: Organisation, tmp_path: Path
) -> None:
    shards = [
        scan(organisation, tmp_path, f"shard-{k}", "--organization", "--region", "us-east-1",
             "--shard", f"{k}/3")[1] / "report.json"
        for k in (1, 3)
    ]  # fmt: skip
    code, _, stderr = merge(tmp_path, "incomplete", shards)
    assert code == 2
    assert (
        stderr.strip() == "bedrock-checker: error: incomplete set of shards: shard 2 of 3 missing"
    )

    _, other = scan(
        organisation, tmp_path, "other", "--organization", "--region", "us-east-1",
        "--shard", "2/3", "--policy", "builtin:cost",
    )  # fmt: skip
    code, out, stderr = merge(tmp_path, "mixed", [*shards, other / "report.json"])
    assert code == 2
    assert "the policies (sources or digests) differ" in stderr
    assert list(out.iterdir()) == []  # nothing written


def test_an_audit_whose_every_scope_errs_still_writes_its_report(
    organisation: Organisation, tmp_path: Path
) -> None:
    code, out = scan(
        organisation, tmp_path, "broken", "--accounts", organisation.broken, *region_args()
    )

    report, sarif = read(out)
    assert code == 3
    assert [(s["account"], s["region"], bool(s["error"])) for s in report["scopes"]] == [
        (organisation.broken, region, True) for region in sorted(REGIONS)
    ]
    assert report["summary"]["errored"] == report["summary"]["jobs"] == len(REGIONS)
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
