"""merge writes the ASFF findings, the evidence record and the HTML report of the whole audit,
with the same findings, documents and counts as the run whose JSON reports it combines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from helpers.audit import REPO, asff_problems
from helpers.html_page import Page

from checker.cli import cli
from checker.reports import evidence

EXAMPLES = [str(REPO / "examples" / "failing"), str(REPO / "examples" / "passing")]
WAIVERS = REPO / "examples" / "waivers.yaml"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def split_into_shards(report: Path, folder: Path, count: int) -> list[Path]:
    """The JSON report of one run cut into ``count`` shards' reports, jobs in order."""
    data = json.loads(report.read_text(encoding="utf-8"))
    jobs = data["jobs"]
    size = -(-len(jobs) // count)
    shards = []
    for index in range(count):
        shard = dict(data, jobs=jobs[index * size : (index + 1) * size])
        shard["shard"] = {"index": index + 1, "count": count, "scopes": 0, "digest": "examples"}
        for status in shard["waivers"]:  # each shard counts its own jobs' matches
            status["matched"] = 0
        path = folder / f"shard-{index + 1}.json"
        path.write_text(json.dumps(shard), encoding="utf-8")
        shards.append(path)
    return shards


def documents(folder: Path) -> dict[str, Any]:
    """The evidence record's files, parsed, without the time of the run."""
    out = {}
    for path in sorted(folder.iterdir()):
        if path.name == evidence.MANIFEST:
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        document.pop("generatedAt")
        if path.name == evidence.INDEX:  # merge orders jobs by account and region
            document["jobs"].sort(key=lambda job: job["file"])
        out[path.name] = document
    return out


def without_times(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings by id (merge orders jobs by account and region), without their times."""
    kept = [{k: v for k, v in f.items() if k not in ("CreatedAt", "UpdatedAt")} for f in findings]
    return sorted(kept, key=lambda finding: finding["Id"])


def test_merge_writes_asff_evidence_and_html_as_the_single_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    single, merged = tmp_path / "single", tmp_path / "merged"
    single.mkdir()
    merged.mkdir()
    outputs = ("--asff-account", "111122223333", "--framework", "nist-800-53")
    one = run(
        "check", *EXAMPLES, "--json", str(single / "report.json"),
        "--asff", str(single / "asff.json"), "--evidence", str(single / "evidence"),
        "--html", str(single / "report.html"), *outputs,
    )  # fmt: skip
    assert one.exit_code == 1, one.stderr
    shards = split_into_shards(single / "report.json", tmp_path, 3)

    many = run(
        "merge", *map(str, shards), "--json", str(merged / "report.json"),
        "--asff", str(merged / "asff.json"), "--evidence", str(merged / "evidence"),
        "--html", str(merged / "report.html"), *outputs,
    )  # fmt: skip

    assert many.exit_code == 1, many.stderr
    report = json.loads((merged / "report.json").read_text(encoding="utf-8"))
    assert report["summary"] == json.loads((single / "report.json").read_text())["summary"]
    # ASFF: the same 38 findings (ids, resources, descriptions, severities, controls).
    asff_one = json.loads((single / "asff.json").read_text(encoding="utf-8"))
    asff_many = json.loads((merged / "asff.json").read_text(encoding="utf-8"))
    assert len(asff_many) == 38
    assert without_times(asff_many) == without_times(asff_one)
    assert asff_problems(asff_many) == []
    # Evidence: the same documents, data locations, models and policies' digests included.
    record = documents(merged / "evidence")
    assert record == documents(single / "evidence")
    assert len(record) == report["summary"]["jobs"] + 1  # and index.json
    locations = [d["dataLocations"] for name, d in record.items() if name != evidence.INDEX]
    assert sum(len(found) for found in locations) > 0
    # HTML: the merged report's counts.
    page = Page((merged / "report.html").read_text(encoding="utf-8"))
    summary = report["summary"]
    assert page.counts() == {
        **{k: v for k, v in summary.items() if k != "bySeverity"},
        **summary["bySeverity"],
    }
    assert len(page.find("tr", "job-row")) == summary["jobs"] == 27


def test_merge_keeps_the_waiver_of_each_waived_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    one = run(
        "check", *EXAMPLES, "--waivers", str(WAIVERS), "--json", str(tmp_path / "one.json"),
        "--evidence", str(tmp_path / "one"),
    )  # fmt: skip
    assert one.exit_code in (0, 1), one.stderr
    shards = split_into_shards(tmp_path / "one.json", tmp_path, 2)
    many = run("merge", *map(str, shards), "--evidence", str(tmp_path / "many"))
    assert many.exit_code == one.exit_code, many.stderr
    merged = documents(tmp_path / "many")
    waived = [d["waivers"] for name, d in merged.items() if name != evidence.INDEX and d["waivers"]]
    assert waived, "the examples' waivers waive nothing"
    assert merged == documents(tmp_path / "one")


def test_merge_takes_no_security_hub_option(tmp_path: Path) -> None:
    result = run("merge", str(tmp_path / "shard-1.json"), "--security-hub")
    assert result.exit_code == 2
    assert "No such option '--security-hub'" in result.stderr


@pytest.mark.usefixtures("fake_aws_in_tmp")
def test_merge_writes_the_evidence_record_of_shards_run_with_evidence(bedrock: Any) -> None:
    from helpers.aws import ACCOUNT, create_job

    create_job(bedrock, "shard-job")
    scan = ("scan", "--accounts", ACCOUNT, "--region", "us-east-1", "--shard", "1/1")

    bare = run(*scan, "--json", "bare.json")
    assert bare.exit_code == 0, bare.stderr
    refused = run("merge", "bare.json", "--evidence", "evidence", "--json", "merged.json")
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        "bedrock-checker: error: --evidence: job shard-job: its shard was run without "
        "--evidence, so its report lacks what the evidence record holds; run each shard with "
        "--evidence DIR"
    )
    assert not Path("evidence").exists() and not Path("merged.json").exists()

    one = run(*scan, "--json", "shard-1.json", "--evidence", "shard-evidence")
    assert one.exit_code == 0, one.stderr
    [job] = json.loads(Path("shard-1.json").read_text(encoding="utf-8"))["jobs"]
    roles = [location["role"] for location in job["record"]["derived"]["dataUris"]]
    assert roles == ["training", "validation", "output"]
    merged = run("merge", "shard-1.json", "--evidence", "evidence")
    assert merged.exit_code == 0, merged.stderr
    assert documents(Path("evidence")) == documents(Path("shard-evidence"))
