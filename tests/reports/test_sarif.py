"""SARIF 2.1.0: valid against the OASIS schema and accepted by GitHub code scanning."""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from helpers.jobs import DELETE, make_document, make_job
from helpers.sarif import assert_github_ready, assert_valid_sarif

from checker.cli import cli
from checker.evaluate import evaluate
from checker.model import (
    Finding,
    FindingStatus,
    Job,
    JobResult,
    LoadError,
    Origin,
    Report,
    Waiver,
    fingerprint,
)
from checker.policy import load_policy
from checker.reports import RenderOptions, sarif
from checker.waivers import apply_baseline, apply_waivers

POLICY = load_policy(["builtin:baseline"])
RULES = {rule.id: rule for rule in POLICY.rules}
TODAY = datetime.date(2025, 6, 1)
ACCOUNT = "111122223333"


def job_arn(suffix: str, region: str = "us-east-1") -> str:
    return f"arn:aws:bedrock:{region}:{ACCOUNT}:model-customization-job/{suffix}"


def file_job(
    suffix: str, path: str = "jobs/a.json", line: int = 1, index: int | None = None, **overrides
) -> Job:
    """A job read from ``path`` (relative to the repository) with its own name and ARN."""
    job = make_job(jobName=f"job-{suffix}", jobArn=job_arn(suffix), **overrides)
    return dataclasses.replace(job, origin=Origin(path=path, line=line, index=index))


def live_job(suffix: str, region: str = "us-east-1", **overrides) -> Job:
    """A job as a live scan produces it: no file, a region and an ARN."""
    arn = job_arn(suffix, region)
    kms = f"arn:aws:kms:{region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    job = make_job(jobName=f"live-{suffix}", jobArn=arn, outputModelKmsKeyArn=kms, **overrides)
    return dataclasses.replace(job, origin=Origin(path=None, region=region, arn=arn))


def make_report(items: list[Job | LoadError], policy=POLICY, **fields: Any) -> Report:
    return Report(tuple(evaluate(items, policy)), policy.rules, **fields)


def render(report: Report, root: Path, **options: Any) -> dict[str, Any]:
    return json.loads(sarif.render(report, RenderOptions(repo_root=root, **options)))


def results_by_job(run: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in run["results"]:
        name = result["locations"][0]["logicalLocations"][0]["name"]
        grouped.setdefault(name, []).append(result)
    return grouped


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root that is also the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_file_findings_are_valid_and_located_at_their_line(repo: Path) -> None:
    job = file_job("a", vpcConfig=DELETE, outputModelKmsKeyArn="alias/models", line=3)
    job = dataclasses.replace(job, lines={"outputModelKmsKeyArn": 17})
    document = render(make_report([job]), repo)
    assert_valid_sarif(document)
    assert_github_ready(document)
    [run] = document["runs"]
    found = {
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    }
    assert found == {
        ("BMC001", "error", "jobs/a.json", 3),
        ("BMC004", "warning", "jobs/a.json", 17),
    }
    bmc004 = next(r for r in run["results"] if r["ruleId"] == "BMC004")
    assert bmc004["message"]["text"] == (
        "Name the KMS key by its full key ARN in the job's region: "
        "outputModelKmsKeyArn: 'alias/models' is not an ARN (value: 'alias/models')"
    )
    # A file finding is not anchored elsewhere: no "[job ...]" suffix.
    assert "[job " not in bmc004["message"]["text"]
    assert run["automationDetails"]["id"] == "bedrock-checker/files/"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_rules_carry_github_metadata(repo: Path) -> None:
    document = render(make_report([]), repo)
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in POLICY.rules]
    bmc001 = rules[0]
    assert bmc001["properties"]["security-severity"] == "8.0"
    assert bmc001["defaultConfiguration"]["level"] == "error"
    assert bmc001["helpUri"].endswith("/docs/rules/BMC001.md")
    assert "Add vpcConfig" in bmc001["help"]["text"]
    severities = {r["id"]: r["properties"]["security-severity"] for r in rules}
    assert severities["BMC002"] == "5.0"
    assert severities["BMC009"] == "2.0"
    assert document["runs"][0]["results"] == []
    assert_valid_sarif(document)
    assert_github_ready(document)


def test_unknown_results_have_a_rule_of_their_own_ranked_as_a_note(repo: Path) -> None:
    # BMC004 is a warning rule (security-severity 5.0, "Medium" on GitHub); its undecided outcome
    # must not be ranked so: it points at BMC004/unknown, a note without a security score.
    undecided = file_job("u", outputModelKmsKeyArn="{kms_key_arn}")
    violated = file_job("v", outputModelKmsKeyArn="alias/models")
    document = render(make_report([undecided, violated]), repo)
    assert_valid_sarif(document)
    assert_github_ready(document)
    [run] = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    # Every loaded rule first, in order, then the unknown outcome of each rule that has one.
    assert [r["id"] for r in rules[: len(POLICY.rules)]] == [r.id for r in POLICY.rules]
    unknown_ids = [r["id"] for r in rules[len(POLICY.rules) :]]
    assert "BMC004/unknown" in unknown_ids and all(i.endswith("/unknown") for i in unknown_ids)
    descriptor = next(r for r in rules if r["id"] == "BMC004/unknown")
    assert descriptor["defaultConfiguration"] == {"level": "note"}
    assert "security-severity" not in descriptor["properties"]
    assert "security" not in descriptor["properties"]["tags"]
    assert "unknown" in descriptor["properties"]["tags"]
    assert descriptor["properties"]["rule"] == "BMC004"
    assert descriptor["shortDescription"]["text"].endswith("(could not be decided)")
    by_job = results_by_job(run)
    [unknown] = [r for r in by_job["job-u"] if r["properties"]["rule"] == "BMC004"]
    assert (unknown["ruleId"], unknown["level"]) == ("BMC004/unknown", "note")
    assert rules[unknown["ruleIndex"]]["id"] == "BMC004/unknown"
    assert unknown["properties"]["status"] == "unknown"
    [violation] = [r for r in by_job["job-v"] if r["properties"]["rule"] == "BMC004"]
    assert (violation["ruleId"], violation["level"]) == ("BMC004", "warning")
    assert rules[violation["ruleIndex"]]["properties"]["security-severity"] == "5.0"


def test_a_report_without_unknowns_has_no_unknown_rules(repo: Path) -> None:
    document = render(make_report([file_job("a", vpcConfig=DELETE)]), repo)
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in POLICY.rules]


def test_long_descriptions_and_many_tags_are_clipped(repo: Path) -> None:
    rule = dataclasses.replace(
        RULES["BMC001"],
        id="ORG001",
        description="word " * 400,
        tags=tuple(f"tag{i}" for i in range(30)),
        help_uri=None,
    )
    finding = Finding(rule, FindingStatus.VIOLATED, "x", "x: bad", "None", 1)
    report = Report((JobResult(file_job("a"), None, (finding,), ("ORG001",)),), (rule,))
    document = render(report, repo)
    assert_valid_sarif(document)
    assert_github_ready(document)
    [sarif_rule] = document["runs"][0]["tool"]["driver"]["rules"]
    assert len(sarif_rule["fullDescription"]["text"]) == 1024
    assert sarif_rule["fullDescription"]["text"].endswith("…")
    assert sarif_rule["properties"]["tags"][:2] == ["tag0", "tag1"]
    assert len(sarif_rule["properties"]["tags"]) == 20
    assert sarif_rule["helpUri"].endswith("/policy-language.md")


def test_live_findings_are_anchored_and_keep_the_arn(repo: Path) -> None:
    jobs = [live_job("a", vpcConfig=DELETE), live_job("b", vpcConfig=DELETE)]
    document = render(make_report(jobs, mode="live"), repo)
    assert_valid_sarif(document)
    assert_github_ready(document)
    [run] = document["runs"]
    assert len(run["results"]) == 2
    for result, job in zip(run["results"], jobs, strict=True):
        assert result["ruleId"] == "BMC001"
        physical = result["locations"][0]["physicalLocation"]
        # Built-in rules have no file in the repository: the anchor file is used.
        assert physical == {"artifactLocation": {"uri": "README.md"}, "region": {"startLine": 1}}
        assert job.arn is not None
        assert job.arn in result["message"]["text"]
        assert f"[job {job.label}: {job.arn}]" in result["message"]["text"]
        [logical] = result["locations"][0]["logicalLocations"]
        assert logical == {"name": job.label, "fullyQualifiedName": job.arn, "kind": "resource"}
    hashes = {r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]}
    assert len(hashes) == 2


def test_live_findings_anchor_to_their_rule_in_a_repository_policy(repo: Path) -> None:
    policy_file = repo / "policies" / "org.yaml"
    policy_file.parent.mkdir()
    policy_file.write_text(
        "version: 1\n"
        "rules:\n"
        "  - id: ORG001\n"
        "    title: Tag the job with a cost centre\n"
        "    severity: warning\n"
        "    description: Every job names its cost centre in the job name.\n"
        "    schema:\n"
        "      jobName: {regex: 'cc-.*'}\n",
        encoding="utf-8",
    )
    policy = load_policy(["policies/org.yaml"])
    jobs = [live_job("a"), live_job("b", region="eu-west-1")]
    document = render(make_report(jobs, policy=policy, mode="live"), repo, sarif_anchor="X.md")
    assert_valid_sarif(document)
    assert_github_ready(document)
    [run] = document["runs"]
    locations = [r["locations"][0]["physicalLocation"] for r in run["results"]]
    assert (
        locations
        == [{"artifactLocation": {"uri": "policies/org.yaml"}, "region": {"startLine": 3}}] * 2
    )
    assert [
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in run["results"]
    ] == [
        job_arn("a"),
        job_arn("b", "eu-west-1"),
    ]
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert len(set(hashes)) == 2


def test_errored_jobs_become_notifications(repo: Path) -> None:
    broken = LoadError(Origin(path="jobs/broken.json", line=4), "invalid JSON: Expecting value")
    denied = LoadError(
        Origin(region="us-east-1", arn=job_arn("gone")), "AccessDeniedException: not allowed"
    )
    document = render(make_report([file_job("ok"), broken, denied]), repo)
    assert_valid_sarif(document)
    assert_github_ready(document)
    [run] = document["runs"]
    assert run["results"] == []
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["job-not-evaluated"] * 2
    assert [n["level"] for n in notes] == ["error", "error"]
    assert notes[0]["message"]["text"] == "jobs/broken.json:4: invalid JSON: Expecting value"
    assert notes[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "jobs/broken.json"},
        "region": {"startLine": 4},
    }
    assert notes[1]["message"]["text"] == f"{job_arn('gone')}: AccessDeniedException: not allowed"
    assert "locations" not in notes[1]
    assert run["properties"]["summary"]["errored"] == 2
    outcomes = [j["outcome"] for j in run["properties"]["jobs"]]
    assert outcomes == ["passed", "errored", "errored"]


def test_fingerprints_are_stable_across_renders_and_line_shifts(repo: Path) -> None:
    before = file_job("a", vpcConfig=DELETE, outputModelKmsKeyArn="alias/k", line=2)
    before = dataclasses.replace(before, lines={"outputModelKmsKeyArn": 10})
    after = dataclasses.replace(
        before,
        origin=dataclasses.replace(before.origin, line=12),
        lines={"outputModelKmsKeyArn": 20},
    )

    def hashes(job: Job) -> dict[str, str]:
        run = render(make_report([job]), repo)["runs"][0]
        return {
            r["ruleId"]: r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]
        }

    first = hashes(before)
    assert set(first) == {"BMC001", "BMC004"}
    assert len(set(first.values())) == 2
    assert hashes(before) == first
    assert hashes(after) == first
    [result] = evaluate([after], POLICY)
    assert first["BMC001"] == f"{fingerprint(result, result.findings[0])}:1"


def test_repeated_findings_of_one_field_get_numbered_fingerprints(repo: Path) -> None:
    # A rule can report one field twice (account and region of one ARN), and one job (ARN)
    # can be committed in two files: every result still needs its own fingerprint.
    twice = (
        Finding(RULES["BMC008"], FindingStatus.VIOLATED, "lambdaArn", "region differs", "None", 4),
        Finding(RULES["BMC008"], FindingStatus.VIOLATED, "lambdaArn", "account differs", "None", 4),
    )
    copy_a = file_job("same", path="jobs/a.json")
    copy_b = file_job("same", path="jobs/b.json")
    report = Report(
        (
            JobResult(copy_a, None, twice, ("BMC008",)),
            JobResult(copy_b, None, twice[:1], ("BMC008",)),
        ),
        POLICY.rules,
    )
    document = render(report, repo)
    assert_valid_sarif(document)
    assert_github_ready(document)
    results = document["runs"][0]["results"]
    key = fingerprint(report.results[0], twice[0])
    assert [r["partialFingerprints"]["primaryLocationLineHash"] for r in results] == [
        f"{key}:1",
        f"{key}:2",
        f"{key}:3",
    ]
    # The unnumbered fingerprint (the one baselines use) stays the job's own.
    assert {r["partialFingerprints"]["bedrockChecker/v1"] for r in results} == {key}


def test_same_rule_on_jobs_of_one_file_gets_distinct_fingerprints(repo: Path) -> None:
    # Two jobs in one JSON Lines file, no ARNs: identity is file, index and name.
    jobs = [
        dataclasses.replace(
            make_job(jobName=name, jobArn=DELETE, vpcConfig=DELETE),
            origin=Origin(path="jobs/all.jsonl", line=line, index=index),
        )
        for index, (name, line) in enumerate([("one", 1), ("two", 2)])
    ]
    run = render(make_report(jobs), repo)["runs"][0]
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert [r["ruleId"] for r in run["results"]] == ["BMC001", "BMC001"]
    assert len(set(hashes)) == 2


def test_categories_differ_for_files_live_and_regions(repo: Path) -> None:
    def category(report: Report, **options: Any) -> str:
        return render(report, repo, **options)["runs"][0]["automationDetails"]["id"]

    files = category(make_report([file_job("a")]))
    east = category(make_report([live_job("a")], mode="live"))
    west = category(make_report([live_job("b", region="us-west-2")], mode="live"))
    assert files == "bedrock-checker/files/"
    assert east == f"bedrock-checker/live/{ACCOUNT}-us-east-1/"
    assert west == f"bedrock-checker/live/{ACCOUNT}-us-west-2/"
    assert len({files, east, west}) == 3
    assert category(make_report([file_job("a")]), sarif_category="team-a/jobs") == "team-a/jobs/"


def test_sarif_category_option_from_the_command_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "job.json").write_text(json.dumps(make_document()), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["check", "job.json", "--sarif", "out.sarif", "--sarif-category", "nightly/prod"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads((repo / "out.sarif").read_text(encoding="utf-8"))
    assert document["runs"][0]["automationDetails"]["id"] == "nightly/prod/"
    assert_valid_sarif(document)
    assert_github_ready(document)


def _waived_report() -> Report:
    jobs = [
        file_job("a", vpcConfig=DELETE, path="jobs/a.json"),
        file_job("b", vpcConfig=DELETE, path="jobs/b.json"),
    ]
    waiver = Waiver(
        rule="BMC001",
        reason="isolated account",
        expires=datetime.date(2030, 1, 1),
        jobs=("job-a",),
        origin=Origin(path="waivers.yaml", line=3),
    )
    results, statuses = apply_waivers(evaluate(jobs, POLICY), [waiver], TODAY)
    return Report(tuple(results), POLICY.rules, waivers=statuses)


def test_waived_findings_are_left_out_by_default(repo: Path) -> None:
    document = render(_waived_report(), repo)
    assert_valid_sarif(document)
    assert_github_ready(document)
    [run] = document["runs"]
    assert [r["locations"][0]["logicalLocations"][0]["name"] for r in run["results"]] == ["job-b"]
    assert "suppressions" not in run["results"][0]
    assert run["properties"]["summary"]["waivedFindings"] == 1
    assert run["properties"]["summary"]["findings"] == 1


def test_waived_findings_included_as_suppressions_on_request(repo: Path) -> None:
    document = render(_waived_report(), repo, sarif_include_suppressed=True)
    assert_valid_sarif(document)
    assert_github_ready(document)
    grouped = results_by_job(document["runs"][0])
    assert sorted(grouped) == ["job-a", "job-b"]
    [waived] = grouped["job-a"]
    assert waived["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "waived until 2030-01-01: isolated account",
        }
    ]
    assert "suppressions" not in grouped["job-b"][0]


def test_baseline_state_new_and_unchanged(repo: Path) -> None:
    old = file_job("old", vpcConfig=DELETE, path="jobs/old.json")
    new = file_job("new", vpcConfig=DELETE, path="jobs/new.json")
    [old_result] = evaluate([old], POLICY)
    known = {fingerprint(old_result, old_result.findings[0]), "f" * 32}
    results, gone = apply_baseline(evaluate([old, new], POLICY), known)
    assert gone == 1
    report = Report(tuple(results), POLICY.rules, baseline_gone=gone)

    by_default = results_by_job(render(report, repo)["runs"][0])
    assert sorted(by_default) == ["job-new"]
    assert by_default["job-new"][0]["baselineState"] == "new"

    document = render(report, repo, sarif_include_suppressed=True)
    assert_valid_sarif(document)
    assert_github_ready(document)
    grouped = results_by_job(document["runs"][0])
    assert grouped["job-old"][0]["baselineState"] == "unchanged"
    assert grouped["job-old"][0]["suppressions"][0]["justification"] == "accepted in the baseline"
    assert grouped["job-new"][0]["baselineState"] == "new"
    # Without a baseline, no result claims a baseline state.
    plain = render(make_report([old, new]), repo)["runs"][0]["results"]
    assert all("baselineState" not in r for r in plain)


def test_more_than_25000_results_are_cut_with_a_notification(repo: Path) -> None:
    notes = tuple(
        Finding(RULES["BMC009"], FindingStatus.VIOLATED, f"p{i}", f"p{i}: note", "None", 1)
        for i in range(25_005)
    )
    errors = tuple(
        Finding(RULES["BMC001"], FindingStatus.VIOLATED, f"e{i}", f"e{i}: bad", "None", 1)
        for i in range(5)
    )
    job = file_job("big")
    report = Report((JobResult(job, None, notes + errors, ("BMC001", "BMC009")),), POLICY.rules)
    document = render(report, repo)
    assert_github_ready(document)
    [run] = document["runs"]
    assert len(run["results"]) == 25_000
    # The most severe results are the ones kept.
    assert sum(1 for r in run["results"] if r["level"] == "error") == 5
    messages = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert len(messages) == 1
    assert messages[0].startswith("10 of 25010 results left out")
    assert run["properties"]["summary"]["bySeverity"] == {"error": 5, "warning": 0, "note": 25_005}


def test_uris_are_relative_to_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / "jobs").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)  # the working directory is not the repository root
    jobs = [
        file_job("rel", vpcConfig=DELETE, path="repo/jobs/rel.json"),
        file_job("abs", vpcConfig=DELETE, path=str(root / "jobs" / "abs.json")),
        file_job("dots", vpcConfig=DELETE, path="repo/jobs/../jobs/dots.json"),
        file_job("out", vpcConfig=DELETE, path=str(tmp_path / "elsewhere" / "out.json"), line=9),
    ]
    document = render(make_report(jobs), root, sarif_anchor="docs/anchor.md")
    assert_valid_sarif(document)
    assert_github_ready(document)
    grouped = results_by_job(document["runs"][0])
    uris = {
        name: results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for name, results in grouped.items()
    }
    assert uris == {
        "job-rel": "jobs/rel.json",
        "job-abs": "jobs/abs.json",
        "job-dots": "jobs/dots.json",
        "job-out": "docs/anchor.md",
    }
    [outside] = grouped["job-out"]
    assert outside["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert f"[job job-out: {job_arn('out')}]" in outside["message"]["text"]


def test_uris_with_special_characters_are_percent_encoded(repo: Path) -> None:
    job = file_job("space", vpcConfig=DELETE, path="jobs/my job#1.json")
    document = render(make_report([job]), repo)
    assert_valid_sarif(document)
    assert_github_ready(document)
    [result] = document["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert " " not in uri
    assert "#" not in uri
    assert unquote(uri) == "jobs/my job#1.json"


def _sarif_command() -> list[str]:
    script = Path(sys.executable).parent / "sarif"
    found = str(script) if script.exists() else shutil.which("sarif")
    assert found, "the sarif console script (sarif-tools) is not installed"
    return [found]


def _run_sarif(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_sarif_command(), *args], capture_output=True, text=True, timeout=60, check=False
    )


def _summary_counts(output: str) -> dict[str, int]:
    return {m[0]: int(m[1]) for m in re.findall(r"^(error|warning|note): (\d+)$", output, re.M)}


def test_sarif_tools_reads_the_counts_back(repo: Path) -> None:
    jobs = [
        file_job("a", vpcConfig=DELETE, outputModelKmsKeyArn="alias/k", path="jobs/a.json"),
        file_job("b", vpcConfig=DELETE, path="jobs/b.json"),
        file_job("c", vpcConfig__subnetIds=["subnet-a"], path="jobs/c.json"),
    ]
    path = repo / "results.sarif"
    path.write_text(sarif.render(make_report(jobs), RenderOptions(repo_root=repo)), "utf-8")

    summary = _run_sarif("summary", str(path))
    assert summary.returncode == 0, summary.stderr
    assert _summary_counts(summary.stdout) == {"error": 2, "warning": 2, "note": 0}

    checked = _run_sarif("--check", "error", "summary", str(path))
    # sarif-tools exits with the number of results at or above the level.
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert checked.returncode != 0


def test_sarif_tools_check_passes_without_errors(repo: Path) -> None:
    job = file_job("c", vpcConfig__subnetIds=["subnet-a"])
    path = repo / "results.sarif"
    path.write_text(sarif.render(make_report([job]), RenderOptions(repo_root=repo)), "utf-8")
    checked = _run_sarif("--check", "error", "summary", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert _summary_counts(checked.stdout) == {"error": 0, "warning": 1, "note": 0}
    warned = _run_sarif("--check", "warning", "summary", str(path))
    assert warned.returncode == 1


@pytest.mark.parametrize(
    ("scope", "category"),
    [
        (("us-east-1", "eu-west-1"), "bedrock-checker/live/eu-west-1+us-east-1/"),
        (("444455556666", "us-east-1"), "bedrock-checker/live/444455556666-us-east-1/"),
    ],
)
def test_live_category_follows_the_scan_scope_even_with_no_jobs(
    scope: tuple[str, ...], category: str
) -> None:
    # A scan that finds nothing must keep its category, so that its upload closes old alerts.
    report = Report(results=(), rules=load_policy(["builtin:baseline"]).rules, mode="live",
                    scope=scope)  # fmt: skip
    document = json.loads(sarif.render(report, RenderOptions()))
    assert document["runs"][0]["automationDetails"]["id"] == category
