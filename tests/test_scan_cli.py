"""The live commands as a user meets them: scan, get and snapshot, with every option.

AWS is moto in-process; the helpers (fake environment, job factory, fault-injecting Wire) come
from test_aws.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import click
import pytest
import yaml
from click.testing import CliRunner, Result
from test_aws import ACCOUNT, Wire, bedrock_client_as, create_job, set_status, wire  # noqa: F401  (wire: a fixture)

from checker.aws import session as aws_session
from checker.cli import cli
from checker.cli.output import ProgressBar

# Every test runs with the fake environment of test_aws (no profile, fake keys, no metadata).
pytestmark = pytest.mark.usefixtures("_environment")


@pytest.fixture
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from test_aws import aws_env

    aws_env(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def bedrock() -> Any:
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("bedrock", region_name="us-east-1")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def report(result: Result) -> dict[str, Any]:
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def job_names(result: Result) -> list[str]:
    return sorted(job["name"] for job in report(result)["jobs"] if job["name"])


class ClientSpy:
    """Records the keyword arguments of every client the scanner creates."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[dict[str, Any]] = []
        real = aws_session.make_session

        def make(profile: str | None) -> Any:
            session = real(profile)
            original = session.client

            def client(service: str, **kwargs: Any) -> Any:
                self.calls.append({"service": service, **kwargs})
                return original(service, **kwargs)

            session.client = client
            return session

        monkeypatch.setattr(aws_session, "make_session", make)

    @property
    def bedrock(self) -> dict[str, Any]:
        [call] = [c for c in self.calls if c["service"] == "bedrock"]
        return call


# -- scan -------------------------------------------------------------------------------------


def test_scan_evaluates_every_job_of_every_region(bedrock: Any) -> None:
    create_job(bedrock, "good-job")
    create_job(bedrock, "open-job", vpcConfig={"subnetIds": ["s"], "securityGroupIds": ["g"]})
    create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-job")

    result = run("scan", "--region", "us-east-1", "--region", "eu-west-1", "--format", "json")

    assert result.exit_code == 0, result.output  # BMC002 (one subnet) is a warning
    jobs = {job["name"]: job for job in report(result)["jobs"]}
    assert sorted(jobs) == ["eu-job", "good-job", "open-job"]
    assert jobs["eu-job"]["source"]["region"] == "eu-west-1"
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/open-job"
    assert jobs["open-job"]["arn"] == arn
    assert jobs["open-job"]["source"] == {
        "path": None,
        "line": None,
        "index": None,
        "region": "us-east-1",
        "arn": arn,
    }
    assert [f["ruleId"] for f in jobs["open-job"]["findings"]] == ["BMC002"]


def test_scan_text_names_the_job_by_arn(bedrock: Any) -> None:
    create_job(bedrock, "open-job", vpcConfig={"subnetIds": ["s"], "securityGroupIds": ["g"]})

    result = run("scan", "--region", "us-east-1", "--fail-on", "warning")

    assert result.exit_code == 1
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/open-job"
    assert f"  {arn}: BMC002 warning: Use at least two subnets" in result.stdout


def test_scan_writes_every_report_format_with_a_live_sarif_category(
    bedrock: Any, tmp_path: Path
) -> None:
    create_job(bedrock, "open-job", vpcConfig={"subnetIds": ["s"], "securityGroupIds": ["g"]})

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--sarif",
        "out.sarif",
        "--junit",
        "junit.xml",
        "--markdown",
        "summary.md",
        "--json",
        "report.json",
    )

    assert result.exit_code == 0, result.output
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    [sarif_run] = sarif["runs"]
    assert sarif_run["automationDetails"]["id"].startswith(
        f"bedrock-checker/live/{ACCOUNT}-us-east-1"
    )
    assert [r["ruleId"] for r in sarif_run["results"]] == ["BMC002"]
    assert "open-job" in (tmp_path / "summary.md").read_text()
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["jobs"] == 1
    assert "BMC002" in (tmp_path / "junit.xml").read_text()


def test_scan_by_job_identifier_name_and_arn(bedrock: Any) -> None:
    create_job(bedrock, "my-ft-job")
    arn = create_job(bedrock, "other-job")
    create_job(bedrock, "not-asked")

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--job-identifier",
        "my-ft-job",
        "--job-identifier",
        arn,
        "--format",
        "json",
    )

    assert result.exit_code == 0, result.output
    assert job_names(result) == ["my-ft-job", "other-job"]


def test_scan_by_model_identifier_is_the_promotion_gate(bedrock: Any) -> None:
    create_job(bedrock, "ready")
    set_status("ready", "Completed")
    create_job(bedrock, "running")  # moto's jobs start InProgress

    ready = run(
        "scan",
        "--region",
        "us-east-1",
        "--model-identifier",
        "ready-model",
        "--policy",
        "builtin:promotion",
        "--format",
        "json",
    )
    running = run(
        "scan",
        "--region",
        "us-east-1",
        "--model-identifier",
        "running-model",
        "--policy",
        "builtin:promotion",
        "--format",
        "json",
    )

    assert ready.exit_code == 0, ready.output
    assert job_names(ready) == ["ready"]
    assert running.exit_code == 1
    [job] = report(running)["jobs"]
    assert job["name"] == "running"
    assert [f["ruleId"] for f in job["findings"]] == ["BMC101"]


def test_scan_filters(bedrock: Any, wire: Wire) -> None:  # noqa: F811
    for name, status in (("prod-a", "Completed"), ("prod-b", "Failed"), ("test-c", "Completed")):
        create_job(bedrock, name)
        set_status(name, status)

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--status",
        "completed",
        "--name-contains",
        "prod-",
        "--created-after",
        "2000-01-01",
        "--created-before",
        "2999-12-31T23:59:59+02:00",
        "--format",
        "json",
    )

    assert result.exit_code == 0, result.output
    assert job_names(result) == ["prod-a"]
    [(_, url)] = [key for key in wire.attempts if key[0] == "ListModelCustomizationJobs"]
    for parameter in (
        "statusEquals=Completed",
        "nameContains=prod-",
        "creationTimeAfter=2000-01-01T00%3A00%3A00Z",
        "creationTimeBefore=2999-12-31T21%3A59%3A59Z",
    ):
        assert parameter in url


def test_scan_max_jobs_and_page_size(bedrock: Any, wire: Wire) -> None:  # noqa: F811
    for index in range(7):
        create_job(bedrock, f"job-{index}")

    result = run(
        "scan", "--region", "us-east-1", "--page-size", "2", "--max-jobs", "5", "--format", "json"
    )

    assert result.exit_code == 0, result.output
    assert len(report(result)["jobs"]) == 5
    assert wire.count("ListModelCustomizationJobs") == 3
    assert all("maxResults=2" in url for op, url in wire.attempts if op.startswith("List"))


def test_scan_through_an_assumed_role(bedrock: Any) -> None:
    role = "arn:aws:iam::111122223333:role/BedrockAudit"
    create_job(bedrock_client_as(role), "their-job")

    result = run("scan", "--region", "us-east-1", "--assume-role", role, "--format", "json")

    assert result.exit_code == 0, result.output
    [job] = report(result)["jobs"]
    assert job["arn"].startswith("arn:aws:bedrock:us-east-1:111122223333:")


def test_scan_with_a_profile(bedrock: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile audit]\nregion = eu-west-1\n"
        "aws_access_key_id = AKIDAUDIT\naws_secret_access_key = audit-secret\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-job")

    result = run("scan", "--profile", "audit", "--format", "json")

    assert result.exit_code == 0, result.output
    assert job_names(result) == ["eu-job"]  # the profile's region


def test_connection_options_reach_the_client(
    bedrock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spy = ClientSpy(monkeypatch)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not read by moto\n")

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--ca-bundle",
        str(bundle),
        "--cli-read-timeout",
        "0",
        "--cli-connect-timeout",
        "7",
        "--retry-mode",
        "adaptive",
        "--max-attempts",
        "6",
        "--max-concurrency",
        "40",
    )

    assert result.exit_code == 0, result.output
    call = spy.bedrock
    config = call["config"]
    assert call["verify"] == str(bundle)
    assert call["endpoint_url"] is None
    assert (config.read_timeout, config.connect_timeout) == (None, 7)
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 6}
    assert config.max_pool_connections == 40


def test_no_verify_ssl_and_endpoint_url_reach_the_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = ClientSpy(monkeypatch)

    result = run(
        "scan",
        "--region",
        "us-east-1",
        "--no-verify-ssl",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--max-attempts",
        "1",
    )

    assert result.exit_code == 2
    assert spy.bedrock["verify"] is False
    assert spy.bedrock["endpoint_url"] == "http://127.0.0.1:9"
    assert result.stderr == (
        "bedrock-checker: error: us-east-1: cannot list model customization jobs: cannot "
        "reach http://127.0.0.1:9/model-customization-jobs?maxResults=100 (is Amazon Bedrock "
        "available in this region, and the endpoint reachable?)\n"
    )


def test_no_sign_request_sends_no_signature(
    bedrock: Any,
    wire: Wire,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_job(bedrock, "ft-job")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    result = run("scan", "--region", "us-east-1", "--no-sign-request", "--format", "json")

    assert result.exit_code == 0, result.output
    assert job_names(result) == ["ft-job"]
    assert wire.headers
    assert not any("Authorization" in headers for headers in wire.headers)


def test_debug_shows_the_wire_log_without_secrets(
    bedrock: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    create_job(bedrock, "ft-job")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLETOKEN")
    caplog.set_level("DEBUG")

    result = run("scan", "--region", "us-east-1", "--debug")

    assert result.exit_code == 0, result.output
    assert "botocore.endpoint" in {record.name for record in caplog.records}
    assert "'Authorization': b'***'" in caplog.text
    assert "wJalrXUtnFEMI" not in caplog.text
    assert "IQoJb3JpZ2luX2VjEXAMPLETOKEN" not in caplog.text


# -- Faults as exit codes -------------------------------------------------------------------


def test_a_job_that_cannot_be_fetched_exits_3_and_the_others_are_evaluated(
    bedrock: Any,
    wire: Wire,  # noqa: F811
) -> None:
    create_job(bedrock, "good-job")
    create_job(bedrock, "secret-job")
    wire.fail("GetModelCustomizationJob", (403, "AccessDeniedException"), where="/secret-job")

    result = run("scan", "--region", "us-east-1", "--format", "json")

    assert result.exit_code == 3, result.output
    jobs = {job["key"]: job for job in report(result)["jobs"]}
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/secret-job"
    assert jobs[arn]["outcome"] == "errored"
    assert jobs[arn]["error"].startswith(
        f"cannot fetch job secret-job (us-east-1, account {ACCOUNT}): AccessDeniedException"
    )
    assert jobs[arn]["source"]["region"] == "us-east-1"
    good = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/good-job"
    assert jobs[good]["outcome"] == "passed"


def test_a_failed_region_exits_3_when_another_succeeded(
    bedrock: Any,
    wire: Wire,  # noqa: F811
) -> None:
    create_job(bedrock, "us-job")
    wire.fail("ListModelCustomizationJobs", (403, "AccessDeniedException"), where="eu-west-1")

    result = run("scan", "--region", "us-east-1", "--region", "eu-west-1")

    assert result.exit_code == 3
    assert "eu-west-1: ERROR: cannot list model customization jobs: AccessDenied" in result.stdout
    assert "us-job" in result.stdout


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no-credentials", "us-east-1: no AWS credentials found: set AWS_PROFILE"),
        ("expired", "us-east-1: the AWS credentials were rejected (ExpiredTokenException"),
        ("profile", "--profile nope: no such profile in the AWS config files"),
        ("env-profile", "profile nope (from AWS_PROFILE): no such profile in the AWS config"),
    ],
)
def test_credential_problems_are_one_line_and_exit_2(
    bedrock: Any,
    wire: Wire,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    setup: str,
    message: str,
) -> None:
    args = ["scan", "--region", "us-east-1"]
    if setup == "no-credentials":
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    elif setup == "expired":
        wire.fail("ListModelCustomizationJobs", (403, "ExpiredTokenException"))
    elif setup == "profile":
        args += ["--profile", "nope"]
    else:
        monkeypatch.setenv("AWS_PROFILE", "nope")

    result = run(*args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"bedrock-checker: error: {message}")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--job-identifier", "a", "--status", "Completed"], "cannot be combined with --status"),
        (["--region", "us_east_1"], "--region us_east_1: not an AWS region name"),
        (["--assume-role", "arn:aws:iam::1:role/x"], "--assume-role arn:aws:iam::1:role/x: not"),
        (
            ["--created-after", "2026-02-01", "--created-before", "2026-01-01"],
            "--created-after 2026-02-01T00:00:00+00:00 is not before --created-before",
        ),
    ],
)
def test_configuration_errors_exit_2(bedrock: Any, args: list[str], message: str) -> None:
    result = run("scan", "--region", "us-east-1", *args)

    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--created-after", "last tuesday"],
        ["--status", "Done"],
        ["--max-concurrency", "0"],
        ["--page-size", "1001"],
        ["--retry-mode", "legacy"],
    ],
)
def test_bad_option_values_are_usage_errors(args: list[str]) -> None:
    result = run("scan", "--region", "us-east-1", *args)

    assert result.exit_code == 2
    assert "Invalid value" in result.stderr


# -- get ----------------------------------------------------------------------------------------


def test_get_prints_the_response_like_the_aws_cli(bedrock: Any) -> None:
    arn = create_job(bedrock, "my-ft-job")

    result = run("get", "--region", "us-east-1", "--job-identifier", "my-ft-job")

    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["jobArn"] == arn
    assert "ResponseMetadata" not in response
    assert "derived" not in response
    assert isinstance(response["creationTime"], str)
    assert result.stdout.startswith('{\n    "')  # the AWS CLI's four-space indent


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (
            "json",
            '{\n    "subnetIds": [\n        "subnet-a",\n        "subnet-b"\n    ],\n'
            '    "securityGroupIds": [\n        "sg-1"\n    ]\n}\n',
        ),
        ("yaml", "subnetIds:\n- subnet-a\n- subnet-b\nsecurityGroupIds:\n- sg-1\n"),
        ("text", "SECURITYGROUPIDS\tsg-1\nSUBNETIDS\tsubnet-a\nSUBNETIDS\tsubnet-b\n"),
    ],
)
def test_get_query_and_output(bedrock: Any, output: str, expected: str) -> None:
    arn = create_job(bedrock, "my-ft-job")

    result = run(
        "get",
        "--region",
        "us-east-1",
        "--job-identifier",
        arn,
        "--query",
        "vpcConfig",
        "--output",
        output,
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == expected


def test_get_text_output_of_a_whole_response(bedrock: Any) -> None:
    create_job(bedrock, "my-ft-job")

    result = run(
        "get", "--region", "us-east-1", "--job-identifier", "my-ft-job", "--output", "text"
    )

    lines = result.stdout.splitlines()
    assert lines[0].startswith("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan")
    assert "\t" in lines[0]
    assert "HYPERPARAMETERS\t1\t2\t0.0001" in lines
    assert "VALIDATORS\ts3://corp-train/data/val.jsonl" in lines


def test_get_document_shows_what_rules_see(bedrock: Any) -> None:
    create_job(bedrock, "my-ft-job")

    result = run(
        "get",
        "--region",
        "us-east-1",
        "--job-identifier",
        "my-ft-job",
        "--document",
        "--query",
        "{tags: tags, account: derived.account}",
        "--output",
        "yaml",
    )

    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout) == {"tags": {"team": "search"}, "account": ACCOUNT}


def test_get_a_missing_job_exits_3_on_one_line(bedrock: Any) -> None:
    result = run("get", "--region", "us-east-1", "--job-identifier", "absent")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "bedrock-checker: error: job absent: ResourceNotFoundException: not found in us-east-1\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--query", "vpcConfig[", "--region", "us-east-1"], "--query vpcConfig[: "),
        (["--region", "us-east-1", "--region", "eu-west-1"], "at most one --region"),
    ],
)
def test_get_configuration_errors_exit_2(bedrock: Any, args: list[str], message: str) -> None:
    create_job(bedrock, "my-ft-job")

    result = run("get", "--job-identifier", "my-ft-job", *args)

    assert result.exit_code == 2
    assert message in result.stderr


# -- snapshot -------------------------------------------------------------------------------


def test_snapshot_writes_files_that_check_reads_alike(bedrock: Any, tmp_path: Path) -> None:
    create_job(bedrock, "good-job")
    create_job(bedrock, "open-job", vpcConfig={"subnetIds": ["s"], "securityGroupIds": ["g"]})
    create_job(boto3.client("bedrock", region_name="eu-west-1"), "eu-job")

    result = run("snapshot", "--region", "us-east-1", "--region", "eu-west-1", "--out", "jobs")

    assert result.exit_code == 0, result.output
    assert result.stderr == "wrote 3 job files to jobs\n"
    written = sorted(p.relative_to(tmp_path / "jobs").as_posix() for p in tmp_path.rglob("*.json"))
    assert written == [
        f"{ACCOUNT}/eu-west-1/eu-job.json",
        f"{ACCOUNT}/us-east-1/good-job.json",
        f"{ACCOUNT}/us-east-1/open-job.json",
    ]
    saved = json.loads((tmp_path / "jobs" / ACCOUNT / "us-east-1" / "open-job.json").read_text())
    assert "derived" not in saved
    assert saved["tags"] == {"team": "search"}
    assert isinstance(saved["creationTime"], str)

    live = run("scan", "--region", "us-east-1", "--region", "eu-west-1", "--format", "json")
    files = run("check", "jobs", "--format", "json")

    def findings(result: Result) -> dict[str, list[str]]:
        return {
            job["arn"]: [f["ruleId"] for f in job["findings"]] for job in report(result)["jobs"]
        }

    assert files.exit_code == live.exit_code == 0
    assert findings(files) == findings(live)
    assert findings(files)[saved["jobArn"]] == ["BMC002"]


def test_snapshot_reports_jobs_it_could_not_fetch_and_exits_3(
    bedrock: Any,
    wire: Wire,  # noqa: F811
) -> None:
    create_job(bedrock, "good-job")
    create_job(bedrock, "secret-job")
    wire.fail("GetModelCustomizationJob", (403, "AccessDeniedException"), where="/secret-job")

    result = run("snapshot", "--region", "us-east-1", "--out", "jobs")

    assert result.exit_code == 3
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/secret-job"
    assert result.stderr.splitlines() == [
        f"{arn}: error: cannot fetch job secret-job (us-east-1, account {ACCOUNT}): "
        "AccessDeniedException: injected AccessDeniedException",
        "wrote 1 job files to jobs; 1 could not be fetched",
    ]
    assert (Path("jobs") / ACCOUNT / "us-east-1" / "good-job.json").exists()


# -- Help, imports, progress ----------------------------------------------------------------


AWS_OPTIONS = (
    "--region",
    "--profile",
    "--endpoint-url",
    "--no-verify-ssl",
    "--ca-bundle",
    "--cli-read-timeout",
    "--cli-connect-timeout",
    "--no-sign-request",
    "--assume-role",
    "--retry-mode",
    "--max-attempts",
    "--max-concurrency",
)
SELECTION_OPTIONS = (
    "--job-identifier",
    "--model-identifier",
    "--status",
    "--name-contains",
    "--created-after",
    "--created-before",
    "--max-jobs",
    "--page-size",
)
OWN_OPTIONS = {
    "scan": AWS_OPTIONS + SELECTION_OPTIONS,
    "snapshot": ("--out", *AWS_OPTIONS, *SELECTION_OPTIONS),
    "get": ("--job-identifier", "--query", "--output", "--document", *AWS_OPTIONS),
}


@pytest.mark.parametrize("command", sorted(OWN_OPTIONS))
def test_every_option_has_help_with_an_example(command: str) -> None:
    options = {p.opts[0]: p for p in cli.commands[command].params if isinstance(p, click.Option)}

    for name in OWN_OPTIONS[command]:
        assert "Example: " in (options[name].help or ""), name
    assert "--debug" in options
    assert "Examples:" in (cli.commands[command].help or "")


def test_the_cli_module_does_not_import_the_aws_source() -> None:
    code = (
        "import sys, checker.cli, checker.pipeline; print(sorted(m for m in "
        "('checker.sources.bedrock', 'checker.enrich', 'boto3', 'botocore') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


class _Terminal:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_the_progress_bar_shows_on_a_terminal_past_a_handful(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    ctx = cli.make_context("bedrock-checker", ["rules"])

    with ProgressBar(ctx) as progress:
        assert progress is not None
        progress(0, 3)
        assert terminal.text == ""  # a handful: no bar
        progress(0, 8)
        progress(8, 8)

    assert "fetched 8/8 jobs" in terminal.text
    assert terminal.text.endswith("\r\x1b[K")


@pytest.mark.parametrize("ci", [True, False])
def test_the_progress_bar_is_silent_in_ci_and_in_pipes(
    monkeypatch: pytest.MonkeyPatch, ci: bool
) -> None:
    if ci:
        monkeypatch.setattr(sys, "stderr", _Terminal())
        monkeypatch.setenv("CI", "true")
    ctx = cli.make_context("bedrock-checker", ["rules"])

    with ProgressBar(ctx) as progress:
        assert progress is None
