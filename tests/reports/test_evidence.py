"""The evidence record: one document per job, safe file names, and a manifest that checks."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.audit import DELETE, JOB_ARN, REPO, WHEN, make_job, make_report

from checker import __version__
from checker.model import LoadError, Origin, Waiver
from checker.reports import RenderOptions, evidence

OPTIONS = RenderOptions(
    generated_at=WHEN,
    policy_digests=evidence.policy_digests(
        ("builtin:baseline", "builtin:promotion", "builtin:cost")
    ),
)
SAFE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


def job_documents(files: dict[str, str]) -> dict[str, dict[str, object]]:
    skip = {evidence.INDEX, evidence.MANIFEST}
    return {name: json.loads(text) for name, text in files.items() if name not in skip}


def test_each_job_has_a_document_with_its_data_models_and_metrics() -> None:
    distillation = make_job(
        "distill.json",
        jobArn=JOB_ARN.replace("lo7152", "dd0000"),
        customizationType="DISTILLATION",
        customizationConfig={
            "distillationConfig": {
                "teacherModelConfig": {
                    "teacherModelIdentifier": "arn:aws:bedrock:us-east-1::foundation-model/"
                    "amazon.nova-pro-v1:0",
                    "maxResponseLengthForInference": 1000,
                }
            }
        },
    )
    files = evidence.documents(make_report([make_job(), distillation]), OPTIONS)
    documents = job_documents(files)
    assert len(documents) == 2
    [plain] = [d for d in documents.values() if d["job"]["arn"] == JOB_ARN]

    assert plain["tool"] == {"name": "bedrock-checker", "version": __version__}
    assert plain["generatedAt"] == "2026-12-05T08:30:00Z"
    assert [(d["role"], d["uri"]) for d in plain["dataLocations"]] == [
        ("training", "s3://corp-train/data/train.jsonl"),
        ("validation", "s3://corp-train/data/val.jsonl"),
        ("output", "s3://corp-out/jobs/"),
    ]
    assert plain["models"]["base"]["id"] == "amazon.titan-text-lite-v1:0:4k"
    assert plain["models"]["teacher"] is None
    assert plain["hyperParameters"] == {
        "epochCount": "2",
        "batchSize": "1",
        "learningRate": ".0001",
    }
    assert plain["metrics"] == {
        "training": {"trainingLoss": 0.12},
        "validation": [{"validationLoss": 0.2}],
    }
    [teacher] = [d for d in documents.values() if d["job"]["arn"] != JOB_ARN]
    assert teacher["models"]["teacher"]["id"] == "amazon.nova-pro-v1:0"


def test_every_rule_has_an_outcome_and_policies_their_digests() -> None:
    job = make_job(vpcConfig={"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]})
    report = make_report([job])
    [document] = job_documents(evidence.documents(report, OPTIONS)).values()

    outcomes = {rule["id"]: rule["outcome"] for rule in document["rules"]}
    assert list(outcomes) == [rule.id for rule in report.rules]
    assert outcomes["BMC002"] == "violated"
    assert outcomes["BMC001"] == "passed"
    assert outcomes["BMC008"] == "not-applicable"  # not a reinforcement fine-tuning job
    baseline = (REPO / "policies" / "baseline.yaml").read_bytes()
    assert document["policies"][0] == {
        "source": "builtin:baseline",
        "sha256": hashlib.sha256(baseline).hexdigest(),
    }
    assert len(document["policies"]) == 3


def test_waivers_that_applied_are_recorded_with_reason_and_expiry() -> None:
    waiver = Waiver(
        "BMC002",
        "one AZ in the lab",
        datetime.date(2027, 3, 1),
        jobs=("good-ft-job",),
        approved_by="secops",
    )
    job = make_job(vpcConfig={"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]})
    [document] = job_documents(
        evidence.documents(make_report([job], waivers=[waiver]), OPTIONS)
    ).values()

    assert document["job"]["outcome"] == "waived"
    assert {r["id"]: r["outcome"] for r in document["rules"]}["BMC002"] == "waived"
    assert document["waivers"] == [
        {
            "rule": "BMC002",
            "reason": "one AZ in the lab",
            "expires": "2027-03-01",
            "approvedBy": "secops",
            "source": "<unknown>",
            "waivedRules": ["BMC002"],
        }
    ]


def test_a_job_that_could_not_be_read_still_has_its_document() -> None:
    error = LoadError(Origin(path="broken.json"), "not JSON: line 3")
    files = evidence.documents(make_report([error]), OPTIONS)
    [document] = job_documents(files).values()
    assert document["job"]["outcome"] == "errored"
    assert document["job"]["error"] == "not JSON: line 3"
    assert {r["outcome"] for r in document["rules"]} == {"not-applicable"}
    assert json.loads(files[evidence.INDEX])["summary"]["errored"] == 1


HOSTILE = ["../../etc/passwd", "/abs/olute", "nul\x00byte", "a" * 5000, "..", ".hidden", "é/ü"]


def test_hostile_job_names_give_safe_distinct_names_inside_the_folder(tmp_path: Path) -> None:
    jobs = [
        make_job(f"jobs/{n}.json", jobName=name, jobArn=DELETE, outputModelArn=DELETE)
        for n, name in enumerate(HOSTILE)
    ]
    files = evidence.documents(make_report(jobs), OPTIONS)

    assert len(job_documents(files)) == len(HOSTILE)
    for name in files:
        assert SAFE.match(name), name
        assert len(name.encode()) <= 255
        target = (tmp_path / name).resolve()
        assert target.parent == tmp_path.resolve()
    names = {d["job"]["name"] for d in job_documents(files).values()}
    assert names == set(HOSTILE)  # the names themselves are kept, in the JSON


def test_the_same_job_twice_gets_two_documents() -> None:
    same = [make_job("a.json"), make_job("a.json")]
    assert len(job_documents(evidence.documents(make_report(same), OPTIONS))) == 2


def test_file_names_are_stable_across_runs() -> None:
    first = evidence.documents(make_report([make_job()]), OPTIONS)
    later = RenderOptions(generated_at=WHEN + datetime.timedelta(days=1))
    second = evidence.documents(make_report([make_job()]), later)
    assert sorted(first) == sorted(second)


def test_the_manifest_lists_every_file_with_its_digest(tmp_path: Path) -> None:
    files = evidence.documents(make_report([make_job(), make_job("b.json", jobName="b")]), OPTIONS)
    lines = files[evidence.MANIFEST].splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}
    assert set(listed) == set(files) - {evidence.MANIFEST}
    for name, digest in listed.items():
        assert hashlib.sha256(files[name].encode()).hexdigest() == digest
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode())
    check = subprocess.run(
        ["sha256sum", "-c", evidence.MANIFEST], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
