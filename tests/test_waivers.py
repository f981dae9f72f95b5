"""Waivers and baselines, through the CLI as a user meets them, and the report files it writes."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from helpers.jobs import DELETE, make_document
from helpers.junit import validate_junit
from helpers.sarif import assert_github_ready, assert_valid_sarif
from junitparser import JUnitXml

from checker.cli import cli
from checker.errors import CheckerError
from checker.waivers import load_baseline, load_waivers

ARN = "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/"
JOB_PATH = "jobs/team-a/sandbox.json"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def write(path: str, content: str | dict[str, Any]) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(content, indent=2) if isinstance(content, dict) else content
    target.write_text(text, encoding="utf-8")
    return target


def write_job(
    path: str = JOB_PATH, name: str = "sandbox-ft-1", blank_lines: int = 0, **overrides: Any
) -> Path:
    document = make_document(jobName=name, jobArn=ARN + name, **overrides)
    return write(path, "\n" * blank_lines + json.dumps(document, indent=2))


def waivers_file(*entries: str, name: str = "waivers.yaml") -> str:
    write(name, "version: 1\nwaivers:\n" + "".join(entries))
    return name


def waiver(rule: str = "BMC001", match: str = "jobs: [sandbox-*]", expires: str = "2099-01-01"):
    return (
        f"  - rule: {rule}\n"
        f"    {match}\n"
        f"    reason: sandbox account without a VPC\n"
        f"    expires: {expires}\n"
    )


def report_json(path: str = "r.json") -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --- loading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "waivers:\n  - rule: BMC001\n    jobs: [x]\n    expires: 2030-01-01\n",
            "w.yaml:2: waiver #1 (BMC001): reason: required field",
        ),
        (
            "waivers:\n  - rule: BMC001\n    jobs: [x]\n    reason: r\n",
            "w.yaml:2: waiver #1 (BMC001): expires: required field",
        ),
        (
            "waivers:\n  - rule: BMC001\n    jobs: [x]\n    reason: r\n    expires: soon\n",
            "w.yaml:5: waiver #1 (BMC001): expires: 'soon' is not a date (YYYY-MM-DD)",
        ),
        (
            "waivers:\n  - rule: BMC001\n    jobs: [x]\n    reason: r\n    expires: '2030-02-30'\n",
            "w.yaml:5: waiver #1 (BMC001): expires: '2030-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            "waivers:\n  - rule: BMC002\n    reason: r\n    expires: 2030-01-01\n"
            "  - rule: BMC001\n    jobs: []\n    reason: r\n    expires: 2030-01-01\n",
            "w.yaml:2: waiver #1 (BMC002): give 'jobs', 'files' or 'path' (use ['*'] for all jobs)",
        ),
        (
            "waivers:\n  - rule: BMC001\n    jobs: [x]\n    reason: r\n"
            "    expires: 2030-01-01\n    colour: red\n",
            "w.yaml:6: waiver #1 (BMC001): colour: unknown field",
        ),
        (
            "waivers:\n  - rule: BMC001\n    jobs: [x]\n    reason: r\n"
            "    expires: !!python/object/apply:os.system [echo]\n",
            "w.yaml:5: invalid YAML: unsupported YAML tag "
            "'tag:yaml.org,2002:python/object/apply:os.system'",
        ),
        (
            "version: 2\nwaivers: []\n",
            "w.yaml:1: version: unallowed value 2",
        ),
        ("- rule: BMC001\n", "w.yaml: a waivers file must be one YAML mapping"),
    ],
    ids=[
        "missing-reason",
        "missing-expires",
        "bad-date",
        "impossible-date",
        "no-jobs-or-files",
        "unknown-key",
        "python-tag",
        "bad-version",
        "not-a-mapping",
    ],
)
def test_load_waivers_errors_name_file_and_line(workdir: Path, text: str, message: str) -> None:
    write("w.yaml", text)
    with pytest.raises(CheckerError) as caught:
        load_waivers(["w.yaml"])
    assert str(caught.value).startswith(message)


def test_unquoted_impossible_date_is_a_waiver_error(workdir: Path) -> None:
    write(
        "w.yaml", "waivers:\n  - rule: B\n    jobs: [x]\n    reason: r\n    expires: 2030-02-30\n"
    )
    with pytest.raises(
        CheckerError, match=r"^w\.yaml:5: waiver #1 \(B\): expires: '2030-02-30' is not a date"
    ):
        load_waivers(["w.yaml"])


def test_waiver_error_exits_2_before_any_report(workdir: Path) -> None:
    write_job(vpcConfig=DELETE)
    write("w.yaml", "waivers:\n  - rule: BMC001\n    jobs: [x]\n    expires: 2030-01-01\n")
    result = run("check", "jobs", "--waivers", "w.yaml", "--json", "r.json")
    assert result.exit_code == 2
    assert result.stderr == (
        "bedrock-checker: error: w.yaml:2: waiver #1 (BMC001): reason: required field\n"
    )
    assert result.stdout == ""
    assert not Path("r.json").exists()


def test_load_waivers_reads_every_field(workdir: Path) -> None:
    write(
        "w.yaml",
        "version: 1\nwaivers:\n"
        "  - rule: BMC00*\n    files: ['jobs/*']\n    reason: '  sandbox  '\n"
        "    expires: 2030-01-31\n    approved_by: sec@example.com\n",
    )
    [loaded] = load_waivers(["w.yaml"])
    assert (loaded.rule, loaded.files, loaded.jobs) == ("BMC00*", ("jobs/*",), ())
    assert loaded.reason == "sandbox"
    assert loaded.expires == datetime.date(2030, 1, 31)
    assert loaded.approved_by == "sec@example.com"
    assert loaded.origin.describe() == "w.yaml:3"


# --- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        ("BMC001", "jobs: [sandbox-*]"),
        ("BMC001", "jobs: ['arn:aws:bedrock:us-east-1:111122223333:*/sandbox-ft-?']"),
        ("BMC001", "files: ['jobs/team-a/*.json']"),
        ("BMC00[0-1]", "jobs: ['*']"),
        ("'BMC*'", "files: ['jobs/*']"),
    ],
    ids=["job-name-glob", "arn-glob", "file-glob", "rule-glob", "rule-and-file-glob"],
)
def test_active_waiver_suppresses_matching_findings(workdir: Path, rule: str, match: str) -> None:
    write_job(vpcConfig=DELETE)
    name = waivers_file(waiver(rule, match))
    result = run("check", "jobs", "--waivers", name, "--json", "r.json")
    assert result.exit_code == 0, result.output
    document = report_json()
    [job] = document["jobs"]
    assert job["outcome"] == "waived"
    [finding] = job["findings"]
    assert finding["ruleId"] == "BMC001"
    assert finding["suppression"] == {
        "kind": "waiver",
        "justification": "waived until 2099-01-01: sandbox account without a VPC",
    }
    summary = document["summary"]
    assert (summary["waived"], summary["waivedFindings"], summary["failing"]) == (1, 1, 0)
    assert [(w["status"], w["matched"]) for w in document["waivers"]] == [("active", 1)]
    assert document["exitCode"] == 0
    assert "BMC001 waiver (error): Run the job in a VPC: waived until 2099-01-01" in result.stdout
    assert "0 failed, 1 waived" in result.stdout


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        ("BMC002", "jobs: ['*']"),
        ("BMC001", "jobs: [prod-*]"),
        ("BMC001", "files: ['other/*']"),
        ("BMC001", "jobs: ['arn:aws:bedrock:eu-west-1:*']"),
    ],
    ids=["other-rule", "other-job", "other-file", "other-arn"],
)
def test_waiver_matching_nothing_is_stale(workdir: Path, rule: str, match: str) -> None:
    write_job(vpcConfig=DELETE)
    name = waivers_file(waiver(rule, match))
    result = run("check", "jobs", "--waivers", name, "--json", "r.json", "--markdown", "r.md")
    assert result.exit_code == 1, result.output
    document = report_json()
    assert document["jobs"][0]["outcome"] == "failed"
    assert [(w["status"], w["matched"]) for w in document["waivers"]] == [("stale", 0)]
    warning = f"waivers.yaml:3: warning: waiver for {rule} matches no finding (stale)"
    assert warning in result.stdout.splitlines()
    assert f"- `waivers.yaml:3` {rule}: matches no finding (stale)" in Path("r.md").read_text()


def test_expired_waiver_no_longer_waives_and_is_reported_everywhere(workdir: Path) -> None:
    write_job(vpcConfig=DELETE)
    name = waivers_file(waiver(expires="2000-01-01"))
    result = run(
        "check", "jobs", "--waivers", name,
        "--json", "r.json", "--sarif", "r.sarif", "--markdown", "r.md", "--junit", "r.xml",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    warning = (
        "waivers.yaml:3: warning: waiver for BMC001 expired on 2000-01-01 and no longer waives"
    )
    assert warning in result.stdout.splitlines()

    document = report_json()
    assert document["jobs"][0]["outcome"] == "failed"
    assert document["jobs"][0]["findings"][0]["suppression"] is None
    [status] = document["waivers"]
    assert (status["status"], status["matched"], status["expires"]) == ("expired", 0, "2000-01-01")

    sarif = json.loads(Path("r.sarif").read_text())
    assert_valid_sarif(sarif)
    assert_github_ready(sarif)
    [run_] = sarif["runs"]
    assert [r["ruleId"] for r in run_["results"]] == ["BMC001"]
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert notes == [
        {
            "level": "warning",
            "message": {
                "text": "waivers.yaml:3: waiver for BMC001 expired on 2000-01-01 "
                "and no longer waives"
            },
        }
    ]
    assert "### Waiver warnings" in Path("r.md").read_text()
    assert "- `waivers.yaml:3` BMC001: expired on 2000-01-01" in Path("r.md").read_text()


def test_expired_waiver_warning_goes_to_stderr_with_output_file(workdir: Path) -> None:
    write_job(vpcConfig=DELETE)
    name = waivers_file(waiver(expires="2000-01-01"))
    result = run("check", "jobs", "--waivers", name, "--format", "json", "-o", "r.json")
    assert result.exit_code == 1
    warning = (
        "waivers.yaml:3: warning: waiver for BMC001 expired on 2000-01-01 and no longer waives"
    )
    assert warning in result.stderr.splitlines()
    assert report_json()["waivers"][0]["status"] == "expired"


def test_waiver_expiring_today_still_waives(workdir: Path) -> None:
    write_job(vpcConfig=DELETE)
    name = waivers_file(waiver(expires=datetime.date.today().isoformat()))
    result = run("check", "jobs", "--waivers", name, "--json", "r.json")
    assert result.exit_code == 0, result.output
    assert report_json()["waivers"][0]["status"] == "active"


def test_waiver_covers_only_its_rule(workdir: Path) -> None:
    write_job(vpcConfig=DELETE, outputModelKmsKeyArn=DELETE)
    name = waivers_file(waiver())
    result = run("check", "jobs", "--waivers", name, "--json", "r.json")
    assert result.exit_code == 1
    [job] = report_json()["jobs"]
    assert job["outcome"] == "failed"
    assert {f["ruleId"]: f["suppression"] is not None for f in job["findings"]} == {
        "BMC001": True,
        "BMC003": False,
    }


# --- baselines -------------------------------------------------------------------------------


def test_baseline_fails_only_on_new_findings(workdir: Path) -> None:
    write_job(vpcConfig="none", outputModelKmsKeyArn=DELETE)
    first = run("check", "jobs", "--create-baseline", "baseline.json", "--json", "r1.json")
    assert first.exit_code == 1, first.output
    [line] = [
        f["line"] for f in report_json("r1.json")["jobs"][0]["findings"] if f["path"] == "vpcConfig"
    ]
    baseline = json.loads(Path("baseline.json").read_text())
    assert baseline["version"] == 1
    assert [(e["ruleId"], e["job"], e["path"]) for e in baseline["findings"]] == [
        ("BMC001", ARN + "sandbox-ft-1", "vpcConfig"),
        ("BMC003", ARN + "sandbox-ft-1", "outputModelKmsKeyArn"),
    ]
    assert all(len(e["fingerprint"]) == 32 for e in baseline["findings"])
    assert load_baseline("baseline.json") == {e["fingerprint"] for e in baseline["findings"]}

    # The job changes: the key is fixed (one baselined finding gone), a placeholder is new,
    # and the lines shift.
    write_job(vpcConfig="none", roleArn="arn:aws:iam::{account_id}:role/BedrockFT", blank_lines=4)
    second = run("check", "jobs", "--baseline", "baseline.json", "--json", "r.json")
    assert second.exit_code == 1, second.output
    document = report_json()
    summary = document["summary"]
    assert (summary["findings"], summary["baselinedFindings"], summary["failing"]) == (1, 1, 1)
    assert document["baseline"] == {"gone": 1, "known": 2}
    findings = {f["ruleId"]: f for f in document["jobs"][0]["findings"]}
    assert findings["BMC001"]["line"] == line + 5  # four blank lines and the key line
    assert findings["BMC001"]["suppression"] == {
        "kind": "baseline",
        "justification": "accepted in the baseline",
    }
    assert findings["BMC010"]["suppression"] is None
    assert "1 in the baseline (1 baselined finding gone)" in second.stdout

    write_job(vpcConfig="none")
    third = run("check", "jobs", "--baseline", "baseline.json", "--json", "r.json")
    assert third.exit_code == 0, third.output
    document = report_json()
    assert document["jobs"][0]["outcome"] == "waived"
    assert document["baseline"] == {"gone": 1, "known": 2}


def test_created_baseline_leaves_waived_findings_out(workdir: Path) -> None:
    write_job(vpcConfig=DELETE, outputModelKmsKeyArn=DELETE)
    name = waivers_file(waiver())
    result = run("check", "jobs", "--waivers", name, "--create-baseline", "b.json")
    assert result.exit_code == 1
    entries = json.loads(Path("b.json").read_text())["findings"]
    assert [e["ruleId"] for e in entries] == ["BMC003"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "b.json: not a bedrock-checker baseline (version 1)"),
        ('{"version": 2, "findings": []}', "b.json: not a bedrock-checker baseline (version 1)"),
        ('{"version": 1}', "b.json: not a bedrock-checker baseline (version 1)"),
        ("{not json", "b.json: not a baseline file: "),
        (None, "b.json: cannot read baseline: No such file or directory"),
    ],
    ids=["list", "other-version", "no-findings", "not-json", "missing"],
)
def test_bad_baseline_is_a_one_line_error(workdir: Path, content: str | None, message: str) -> None:
    write_job()
    if content is not None:
        write("b.json", content)
    result = run("check", "jobs", "--baseline", "b.json")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"bedrock-checker: error: {message}")
    assert len(result.stderr.splitlines()) == 1


# --- report files ----------------------------------------------------------------------------


def test_every_report_file_is_written_and_parses(workdir: Path) -> None:
    write_job(vpcConfig=DELETE)
    write("out/r.json", "stale content that must be replaced, not appended to")
    result = run(
        "check", "jobs",
        "--json", "out/r.json", "--sarif", "out/r.sarif",
        "--junit", "out/r.xml", "--markdown", "out/r.md",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    # Renamed into place: no temporary file is left behind.
    assert sorted(p.name for p in Path("out").iterdir()) == ["r.json", "r.md", "r.sarif", "r.xml"]
    assert report_json("out/r.json")["summary"]["failed"] == 1
    sarif = json.loads(Path("out/r.sarif").read_text())
    assert_valid_sarif(sarif)
    assert_github_ready(sarif)
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": JOB_PATH}
    junit_bytes = Path("out/r.xml").read_bytes()
    validate_junit(junit_bytes)
    [suite] = list(JUnitXml.fromstring(junit_bytes))
    assert (suite.failures, suite.errors) == (1, 0)
    assert Path("out/r.md").read_text().startswith("## bedrock-checker: 1 job checked, run fails")
    # The console still shows the text report.
    assert "BMC001 error: Run the job in a VPC" in result.stdout


def test_unwritable_report_is_an_error_without_leftovers(workdir: Path) -> None:
    write_job()
    result = run("check", "jobs", "--json", "missing/r.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("bedrock-checker: error: missing/r.json: cannot write report")
    assert sorted(p.name for p in workdir.iterdir()) == ["jobs"]


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "markdown"])
def test_one_report_to_stdout_moves_the_console_to_stderr(workdir: Path, fmt: str) -> None:
    write_job(vpcConfig=DELETE)
    result = run("check", "jobs", f"--{fmt}", "-")
    assert result.exit_code == 1, result.output
    if fmt == "json":
        assert json.loads(result.stdout)["summary"]["failed"] == 1
    elif fmt == "sarif":
        assert_github_ready(json.loads(result.stdout))
    elif fmt == "junit":
        validate_junit(result.stdout.encode())
    else:
        assert result.stdout.startswith("## bedrock-checker:")
    assert "BMC001 error: Run the job in a VPC" in result.stderr
    assert "1 job checked: 0 passed, 1 failed" in result.stderr
    assert not any(workdir.glob("-"))


@pytest.mark.parametrize(
    "args",
    [
        ("--json", "-", "--sarif", "-"),
        ("--junit", "-", "--markdown", "-", "--json", "-"),
        ("--markdown", "-", "-o", "-"),
    ],
)
def test_two_reports_to_stdout_is_an_error(workdir: Path, args: tuple[str, ...]) -> None:
    write_job(vpcConfig=DELETE)
    result = run("check", "jobs", *args, "--create-baseline", "b.json")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "bedrock-checker: error: only one report can go to standard output"
    )
    assert result.stdout == ""
    assert sorted(p.name for p in workdir.iterdir()) == ["jobs"]


def test_github_summary_appends_markdown(workdir: Path) -> None:
    write_job(vpcConfig=DELETE)
    summary = write("step-summary.md", "## earlier step\n")
    result = run("check", "jobs", "--github-summary", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1, result.output
    text = summary.read_text()
    assert text.startswith("## earlier step\n## bedrock-checker: 1 job checked, run fails\n")
    assert "| 1 | 0 | 1 | 0 | 0 | 1 | 0 | 0 | 0 | 0 |" in text
    run("check", "jobs", "--github-summary", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text().count("## bedrock-checker:") == 2


def test_github_summary_without_the_variable_exits_2(workdir: Path) -> None:
    write_job(vpcConfig=DELETE)
    result = run(
        "check", "jobs", "--github-summary", "--json", "r.json",
        env={"GITHUB_STEP_SUMMARY": None},
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "bedrock-checker: error: --github-summary: GITHUB_STEP_SUMMARY is not set "
        "(not in GitHub Actions?)\n"
    )
    assert not Path("r.json").exists()
