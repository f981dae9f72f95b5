"""The evidence record's object versions: with --deep and --evidence, the version of each object
a data location held when the job was created (ListObjectVersions, one page per location)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.cli import run
from helpers.deep import REGION, deny, job_document, record
from helpers.enrich import Setup

from checker.enrich import s3

# Far after the objects are written: every object's current version is the one trained on.
LATER = "2099-01-01T00:00:00Z"


def evidence_locations(folder: Path, job: str) -> dict[str, Any]:
    [document] = [
        json.loads(path.read_text(encoding="utf-8")) for path in folder.glob(f"{job}-*.json")
    ]
    return {location["role"]: location for location in document["dataLocations"]}


def test_deep_evidence_names_the_object_versions_of_the_training_data(
    setup: Setup,
    write_file: Callable[[str, Any], Path],
    tmp_path: Path,
    cli_session: Callable[[Callable[[Any], Any]], None],
) -> None:
    s3_client = setup.cloud.s3
    s3_client.put_object(Bucket="corp-train", Key="data/train.jsonl", Body=b"first")
    current = s3_client.put_object(Bucket="corp-train", Key="data/train.jsonl", Body=b"second")
    validation = s3_client.put_object(Bucket="corp-train", Key="data/val.jsonl", Body=b"val")
    calls: list[list[dict[str, Any]]] = []
    cli_session(lambda session: calls.append(record(session, "s3.ListObjectVersions")))
    job = write_file("job.json", job_document(setup.world, "versioned", creationTime=LATER))

    result = run("check", str(job), "--deep", "--region", REGION, "--evidence", "evidence")

    assert result.exit_code == 0, result.output
    locations = evidence_locations(tmp_path / "evidence", "versioned")
    training = locations["training"]["objectVersions"]
    assert training["asOf"] == "2099-01-01T00:00:00Z"
    assert training["truncated"] is False
    assert current["VersionId"] != "null"  # a versioned bucket
    [train] = training["objects"]
    assert (train["key"], train["versionId"], train["size"]) == (
        "data/train.jsonl",
        current["VersionId"],
        len(b"second"),
    )
    assert train["eTag"] == current["ETag"]
    [val] = locations["validation"]["objectVersions"]["objects"]
    assert (val["key"], val["versionId"]) == ("data/val.jsonl", validation["VersionId"])
    # The output location is what the job wrote: not read.
    assert locations["output"]["objectVersions"] is None
    # One call per input location, bounded to one page, with the bucket's expected owner.
    made = [params for session_calls in calls for params in session_calls]
    assert sorted(p["Prefix"] for p in made) == ["data/train.jsonl", "data/val.jsonl"]
    assert {p["MaxKeys"] for p in made} == {s3.OBJECT_VERSION_LIMIT}
    assert {p["ExpectedBucketOwner"] for p in made} == {"123456789012"}


def test_without_evidence_deep_mode_reads_no_object_versions(
    setup: Setup,
    write_file: Callable[[str, Any], Path],
    cli_session: Callable[[Callable[[Any], Any]], None],
) -> None:
    calls: list[list[dict[str, Any]]] = []
    cli_session(lambda session: calls.append(record(session, "s3.ListObjectVersions")))
    job = write_file("job.json", job_document(setup.world, "plain"))

    result = run("check", str(job), "--deep", "--region", REGION, "--json", "report.json")

    assert result.exit_code == 0, result.output
    assert [params for session_calls in calls for params in session_calls] == []
    record_ = json.loads(Path("report.json").read_text())["jobs"][0]["record"]
    assert "dataObjects" not in record_["resources"]


def test_denied_object_versions_are_unknown_in_the_record(
    setup: Setup,
    write_file: Callable[[str, Any], Path],
    tmp_path: Path,
    cli_session: Callable[[Callable[[Any], Any]], None],
) -> None:
    cli_session(lambda session: deny(session, "s3.ListObjectVersions", "AccessDenied"))
    job = write_file("job.json", job_document(setup.world, "denied", creationTime=LATER))

    result = run("check", str(job), "--deep", "--region", REGION, "--evidence", "evidence")

    assert result.exit_code == 0, result.output  # no rule reads them: the verdict is unchanged
    locations = evidence_locations(tmp_path / "evidence", "denied")
    assert locations["training"]["objectVersions"] is None
    [document] = (tmp_path / "evidence").glob("denied-*.json")
    unknown = json.loads(document.read_text())["resources"]["unknown"]
    assert "AccessDenied" in unknown["resources.dataObjects.0"]


# -- Which version: the one current when the job was created ----------------------------------


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, 12, tzinfo=datetime.UTC)


class FakeReader:
    """Answers ListObjectVersions with ``answer``; records the parameters."""

    account = "111122223333"
    region = "us-east-1"

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.params: list[dict[str, Any]] = []

    def once(self, *_key: Any, fetch: Callable[[], Any]) -> Any:
        return fetch()

    def call(self, service: str, region: str, operation: str, **params: Any) -> Any:
        assert (service, region, operation) == ("s3", "us-east-1", "ListObjectVersions")
        self.params.append(params)
        return self.answer


def version(key: str, version_id: str, day: int, latest: bool = False) -> dict[str, Any]:
    return {
        "Key": key,
        "VersionId": version_id,
        "ETag": f'"{version_id}"',
        "Size": 10,
        "LastModified": at(day),
        "IsLatest": latest,
    }


HISTORY = {
    "Versions": [
        version("data/a.jsonl", "a1", 1),
        version("data/a.jsonl", "a2", 20, latest=True),  # replaced after the job started
        version("data/b.jsonl", "b1", 1),
        version("data/c.jsonl", "c1", 25, latest=True),  # written after the job started
        version("data/ab/d.jsonl", "d1", 2, latest=True),
        version("data/a.jsonl.bak", "bak1", 2, latest=True),
    ],
    "DeleteMarkers": [
        {"Key": "data/b.jsonl", "VersionId": "b-del", "LastModified": at(5), "IsLatest": True}
    ],
    "IsTruncated": True,
}


def objects(uri_key: str, created: str | None) -> tuple[dict[str, Any], FakeReader]:
    reader = FakeReader(HISTORY)
    entry = {"role": "training", "uri": f"s3://corp-train/{uri_key}", "bucket": "corp-train"}
    facts, unknown = s3.data_objects(reader, {**entry, "key": uri_key}, created)  # type: ignore[arg-type]
    assert unknown == {}
    return facts, reader


def test_a_prefix_gives_each_objects_version_current_at_creation() -> None:
    facts, reader = objects("data/", "2026-11-10T00:00:00Z")
    chosen = {o["key"]: o["versionId"] for o in facts["objects"]}
    # a: a1 (a2 came later); b: deleted before the job; c: not yet written.
    assert chosen == {"data/a.jsonl": "a1", "data/a.jsonl.bak": "bak1", "data/ab/d.jsonl": "d1"}
    assert facts["truncated"] is True and facts["asOf"] == "2026-11-10T00:00:00Z"
    assert reader.params == [
        {
            "Bucket": "corp-train",
            "Prefix": "data/",
            "MaxKeys": 1000,
            "ExpectedBucketOwner": "111122223333",
        }
    ]


def test_an_object_uri_gives_that_object_alone() -> None:
    facts, _ = objects("data/a.jsonl", "2026-11-21T00:00:00Z")
    assert [(o["key"], o["versionId"]) for o in facts["objects"]] == [("data/a.jsonl", "a2")]


def test_a_folder_named_without_its_slash_gives_the_objects_under_it() -> None:
    facts, _ = objects("data/ab", "2026-11-21T00:00:00Z")
    assert [(o["key"], o["versionId"]) for o in facts["objects"]] == [("data/ab/d.jsonl", "d1")]


def test_without_a_creation_time_the_current_versions_are_given() -> None:
    facts, _ = objects("data/", None)
    chosen = {o["key"]: o["versionId"] for o in facts["objects"]}
    assert chosen == {
        "data/a.jsonl": "a2",
        "data/a.jsonl.bak": "bak1",
        "data/ab/d.jsonl": "d1",
        "data/c.jsonl": "c1",
    }
    assert facts["asOf"] is None
