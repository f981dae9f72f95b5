"""checker/sources/files.py: every input format, directory walks, and files that cannot be read."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers.jobs import GOOD_JOB, make_document

from checker import normalize
from checker.cli import cli
from checker.evaluate import evaluate
from checker.model import FindingStatus, Job, LoadError
from checker.policy import load_policy
from checker.sources import files
from checker.sources.files import read_paths

CREATE_YAML = """\
# Given to: aws bedrock create-model-customization-job --cli-input-yaml file://job.yaml
jobName: yaml-create-job
customModelName: yaml-model
roleArn: arn:aws:iam::111122223333:role/service-role/BedrockFT
baseModelIdentifier: amazon.titan-text-express-v1:0:8k
customModelKmsKeyId: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
hyperParameters:
  epochCount: "2"
  learningRate: "1.00E-05"
trainingDataConfig:
  s3Uri: s3://corp-train/data/train.jsonl
outputDataConfig:
  s3Uri: s3://corp-out/jobs/
vpcConfig:
  subnetIds: [subnet-a, subnet-b]
  securityGroupIds:
    - sg-1
jobTags:
  - key: team
    value: ml
"""

CREATE_JSON: dict[str, Any] = {
    "jobName": "json-create-job",
    "customModelName": "json-model",
    "roleArn": "arn:aws:iam::111122223333:role/BedrockFT",
    "baseModelIdentifier": "amazon.nova-micro-v1:0:128k",
    "trainingDataConfig": {"s3Uri": "s3://corp-train/data/train.jsonl"},
    "outputDataConfig": {"s3Uri": "s3://corp-out/"},
}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path, so that reports show paths relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _summary(items: list[Job | LoadError]) -> list[tuple[str, str | None, int, int | None, str]]:
    """(type, path, line, index, job name or error message) of each item, in order."""
    return [
        (
            type(item).__name__,
            item.origin.path,
            item.origin.line,
            item.origin.index,
            item.name or "?" if isinstance(item, Job) else item.message,
        )
        for item in items
    ]


def _only_job(scan: files.FileScan) -> Job:
    [job] = scan.items
    assert isinstance(job, Job), job
    return job


def _only_error(scan: files.FileScan) -> LoadError:
    [error] = scan.items
    assert isinstance(error, LoadError), error
    return error


# ---------------------------------------------------------------------------------------------
# Input formats


def test_get_response_json(write_file) -> None:
    path = write_file("get.json", GOOD_JOB)

    job = _only_job(read_paths(["get.json"]))

    assert job.kind == normalize.GET_RESPONSE
    assert (job.origin.path, job.origin.line, job.origin.index) == ("get.json", 1, None)
    assert job.arn == GOOD_JOB["jobArn"]
    text = path.read_text().splitlines()
    assert text[job.line_of("vpcConfig.subnetIds") - 1].strip() == '"subnetIds": ['
    assert text[job.line_of("vpcConfig.subnetIds.1") - 1].strip() == '"subnet-b"'
    assert job.document["derived"]["account"] == "111122223333"


def test_create_request_json(write_file) -> None:
    write_file("create.json", CREATE_JSON)

    job = _only_job(read_paths(["create.json"]))

    assert job.kind == normalize.CREATE_REQUEST
    assert job.document["outputModelName"] == "json-model"
    assert job.document["baseModelArn"] == "amazon.nova-micro-v1:0:128k"
    assert job.lines["outputModelName"] == 3  # where customModelName is written


def test_create_request_yaml_with_lines(write_file) -> None:
    write_file("job.yaml", CREATE_YAML)

    job = _only_job(read_paths(["job.yaml"]))

    assert job.kind == normalize.CREATE_REQUEST
    assert job.origin.line == 2  # the first key, after the comment
    assert job.document["outputModelKmsKeyArn"].endswith(
        ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    assert job.document["tags"] == {"team": "ml"}
    assert job.document["derived"]["baseModelFamily"] == "titan-text-lite-express"
    assert job.line_of("outputModelName") == 3
    assert job.line_of("outputModelKmsKeyArn") == 6
    assert job.line_of("hyperParameters.learningRate") == 9
    assert job.line_of("vpcConfig.subnetIds") == 15
    assert job.line_of("vpcConfig.securityGroupIds.0") == 17


def test_json_array_of_jobs_with_a_non_job_item(write_file) -> None:
    second = make_document(jobName="second", jobArn=GOOD_JOB["jobArn"] + "2")
    path = write_file("bulk.json", [GOOD_JOB, {"note": "not a job"}, second, CREATE_JSON])

    items = read_paths(["bulk.json"]).items

    text = path.read_text().splitlines()
    assert [(type(i).__name__, i.origin.index) for i in items] == [
        ("Job", 0),
        ("LoadError", 1),
        ("Job", 2),
        ("Job", 3),
    ]
    assert isinstance(items[1], LoadError)
    assert items[1].message == "item 1 is not a customization job"
    assert items[1].key == "bulk.json#1"
    for item in items:
        assert text[item.origin.line - 1] == "  {"
    job = items[2]
    assert isinstance(job, Job)
    assert job.name == "second"
    assert text[job.line_of("vpcConfig.subnetIds") - 1].strip() == '"subnetIds": ['
    assert isinstance(items[3], Job)
    assert items[3].kind == normalize.CREATE_REQUEST


@pytest.mark.parametrize("name", ["jobs.jsonl", "jobs.ndjson", "jobs.json"])
def test_json_lines(write_file, name: str) -> None:
    lines = [json.dumps(make_document(jobName=f"job-{n}")) for n in range(3)]
    write_file(name, "\n".join([lines[0], "", lines[1], lines[2]]) + "\n")

    items = read_paths([name]).items

    assert _summary(items) == [
        ("Job", name, 1, 0, "job-0"),
        ("Job", name, 3, 1, "job-1"),
        ("Job", name, 4, 2, "job-2"),
    ]
    first = items[0]
    assert isinstance(first, Job)
    assert first.line_of("vpcConfig.subnetIds") == 1  # every key of a line is on that line


def test_json_lines_bad_line_is_an_error_and_the_good_lines_are_kept(write_file) -> None:
    other = dict(GOOD_JOB, jobName="third-job", jobArn=GOOD_JOB["jobArn"][:-1] + "x")
    text = json.dumps(GOOD_JOB) + "\n" + '{"jobName": "x", }\n' + json.dumps(other) + "\n"
    write_file("jobs.jsonl", text)

    items = read_paths(["jobs.jsonl"]).items

    assert [type(i).__name__ for i in items] == ["Job", "LoadError", "Job"]
    error = items[1]
    assert isinstance(error, LoadError)
    assert (error.origin.line, error.origin.index) == (2, 1)
    assert error.message.startswith("invalid JSON Lines: ")
    assert "(line 2, column 18)" in error.message
    assert [i.name for i in items if isinstance(i, Job)] == ["good-ft-job", "third-job"]


def test_multi_document_yaml(write_file) -> None:
    second = CREATE_YAML.replace("yaml-create-job", "second-job")
    write_file("jobs.yaml", CREATE_YAML + "---\n" + second)

    items = read_paths(["jobs.yaml"]).items

    offset = CREATE_YAML.count("\n") + 1
    assert _summary(items) == [
        ("Job", "jobs.yaml", 2, 0, "yaml-create-job"),
        ("Job", "jobs.yaml", offset + 2, 1, "second-job"),
    ]
    second_job = items[1]
    assert isinstance(second_job, Job)
    assert second_job.line_of("outputModelName") == offset + 3


@pytest.mark.parametrize(
    ("content", "kind", "name"),
    [
        (json.dumps(GOOD_JOB).encode(), normalize.GET_RESPONSE, "good-ft-job"),
        (CREATE_YAML.encode(), normalize.CREATE_REQUEST, "yaml-create-job"),
        (
            b"\xef\xbb\xbf" + json.dumps(CREATE_JSON).encode(),
            normalize.CREATE_REQUEST,
            "json-create-job",
        ),
    ],
)
def test_stdin_dash(content: bytes, kind: str, name: str) -> None:
    scan = read_paths(["-"], stdin=io.BytesIO(content))

    job = _only_job(scan)
    assert (job.origin.path, job.kind, job.name) == ("<stdin>", kind, name)


def test_stdin_that_is_not_a_job_is_an_error() -> None:
    error = _only_error(read_paths(["-"], stdin=io.BytesIO(b'{"name": "package"}')))

    assert error.origin.path == "<stdin>"
    assert error.message.startswith("not a Bedrock model customization job document")


def test_recognised_by_content_not_name(write_file) -> None:
    write_file("job-notes.txt", GOOD_JOB)
    write_file("create-request", CREATE_YAML)  # no suffix at all

    items = read_paths(["job-notes.txt", "create-request"]).items

    assert _summary(items) == [
        ("Job", "job-notes.txt", 1, None, "good-ft-job"),
        ("Job", "create-request", 2, None, "yaml-create-job"),
    ]


def test_a_json_file_named_yaml_is_still_read(write_file) -> None:
    write_file("job.yaml", GOOD_JOB)

    assert _only_job(read_paths(["job.yaml"])).kind == normalize.GET_RESPONSE


def test_vpc_config_given_as_a_string_is_a_job_evaluated_later(write_file) -> None:
    write_file("job.json", make_document(vpcConfig="subnet-a,sg-1"))

    job = _only_job(read_paths(["job.json"]))

    assert job.document["vpcConfig"] == "subnet-a,sg-1"
    [result] = evaluate([job], load_policy(("builtin:baseline",)))
    assert result.error is None
    violated = {f.rule.id for f in result.findings if f.status is FindingStatus.VIOLATED}
    assert "BMC001" in violated


# ---------------------------------------------------------------------------------------------
# Directory walks


def test_directory_walk_reads_jobs_and_quietly_passes_over_other_files(write_file) -> None:
    write_file("repo/jobs/get.json", GOOD_JOB)
    write_file("repo/jobs/create.yaml", CREATE_YAML)
    write_file("repo/package.json", {"name": "web", "version": "1.0.0", "scripts": {}})
    write_file("repo/docker-compose.yml", "services:\n  web:\n    image: nginx\n")
    write_file("repo/.gitlab-ci.yml", "variables:\n  jobName: nightly\nbuild:\n  script: make\n")
    write_file("repo/ci/azure.yml", "jobs:\n  - job: build\n    steps: [{script: make}]\n")
    write_file(
        "repo/cfn/stack.yaml", "Resources:\n  Job:\n    Properties:\n      jobName: !Ref Name\n"
    )
    write_file("repo/helm/values.yaml", "image: {{ .Values.image }}\n")  # not even valid YAML
    write_file("repo/notes.txt", GOOD_JOB)  # not a walked suffix
    write_file("repo/.github/workflows/ci.yml", "on: push\njobs: {}\n")
    write_file("repo/.hidden/job.json", GOOD_JOB)
    write_file("repo/node_modules/pkg/job.json", GOOD_JOB)
    write_file("repo/.terraform/modules/job.json", GOOD_JOB)

    scan = read_paths(["repo"])

    assert _summary(scan.items) == [
        ("Job", "repo/jobs/create.yaml", 2, None, "yaml-create-job"),
        ("Job", "repo/jobs/get.json", 1, None, "good-ft-job"),
    ]
    assert scan.skipped == [
        "repo/.gitlab-ci.yml",
        "repo/docker-compose.yml",
        "repo/package.json",
        "repo/cfn/stack.yaml",
        "repo/ci/azure.yml",
        "repo/helm/values.yaml",
    ]


def test_a_hidden_directory_named_explicitly_is_read(write_file) -> None:
    write_file(".jobs/job.json", GOOD_JOB)

    assert _only_job(read_paths([".jobs"])).origin.path == ".jobs/job.json"


def test_one_bad_file_among_good_ones(write_file) -> None:
    write_file("jobs/a.json", GOOD_JOB)
    write_file("jobs/b.json", '{\n  "jobName": "broken",\n  "baseModelArn": \n}\n')
    write_file("jobs/c.yaml", CREATE_YAML)

    scan = read_paths(["jobs"])

    assert _summary(scan.items) == [
        ("Job", "jobs/a.json", 1, None, "good-ft-job"),
        ("LoadError", "jobs/b.json", 4, None, "invalid JSON: Expecting value (line 4, column 1)"),
        ("Job", "jobs/c.yaml", 2, None, "yaml-create-job"),
    ]
    assert scan.skipped == []


def test_directory_without_jobs_is_an_error_for_that_directory(write_file) -> None:
    write_file("site/package.json", {"name": "web"})
    write_file("site/config.yaml", "debug: true\n")
    write_file("site/README.md", "# jobName\n")

    scan = read_paths(["site"])

    assert _summary(scan.items) == [
        (
            "LoadError",
            "site",
            1,
            None,
            "no job documents found in this directory (2 files passed over)",
        ),
    ]
    assert scan.skipped == ["site/config.yaml", "site/package.json"]


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    error = _only_error(read_paths(["empty"]))

    assert error.message == "no job documents found in this directory (0 files passed over)"


def test_missing_path_is_an_error_and_the_rest_is_still_read(write_file) -> None:
    write_file("job.json", GOOD_JOB)

    items = read_paths(["nope/job.json", "job.json"]).items

    assert _summary(items) == [
        ("LoadError", "nope/job.json", 1, None, "no such file or directory"),
        ("Job", "job.json", 1, None, "good-ft-job"),
    ]


# ---------------------------------------------------------------------------------------------
# Files that cannot be read


def test_empty_file_named_explicitly_is_an_error_and_walked_is_passed_over(write_file) -> None:
    write_file("empty.json", "")
    write_file("blank.yaml", "  \n\n")
    write_file("dir/empty.json", "")
    write_file("dir/job.json", GOOD_JOB)

    scan = read_paths(["empty.json", "blank.yaml", "dir"])

    assert _summary(scan.items) == [
        ("LoadError", "empty.json", 1, None, "empty file"),
        ("LoadError", "blank.yaml", 1, None, "empty file"),
        ("Job", "dir/job.json", 1, None, "good-ft-job"),
    ]
    assert scan.skipped == ["dir/empty.json"]


def test_malformed_json_names_line_and_column(write_file) -> None:
    write_file("bad.json", '{\n  "jobName": "x",\n  "roleArn": "r",,\n}\n')

    error = _only_error(read_paths(["bad.json"]))

    assert error.origin.line == 3
    assert error.message == (
        "invalid JSON: Expecting property name enclosed in double quotes (line 3, column 18)"
    )


def test_malformed_yaml_names_line_and_column(write_file) -> None:
    write_file("bad.yaml", "jobName: x\ncustomModelName: m\n  roleArn: r\n")

    error = _only_error(read_paths(["bad.yaml"]))

    assert error.origin.line == 3
    assert error.message == (
        "invalid YAML: mapping values are not allowed in this context (line 3, column 10)"
    )


def test_yaml_with_a_python_tag_is_refused_and_nothing_runs(write_file, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    write_file(
        "evil.yaml",
        f"jobName: x\ncustomModelName: !!python/object/apply:os.system ['touch {marker}']\n",
    )

    error = _only_error(read_paths(["evil.yaml"]))

    assert error.origin.line == 2
    assert "unsupported YAML tag" in error.message
    assert not marker.exists()


def test_invalid_utf8_names_the_line(write_file) -> None:
    write_file("latin1.yaml", "jobName: x\ncustomModelName: caf\xe9\n".encode("latin-1"))

    error = _only_error(read_paths(["latin1.yaml"]))

    assert error.origin.line == 2
    assert error.message == "not valid UTF-8: byte 0xe9 at offset 31 (line 2)"


def test_binary_file_is_an_error_even_in_a_walk_when_it_looks_like_a_job(write_file) -> None:
    write_file("model.bin", b"\x00\x01\x02jobName\x00\xff")
    write_file("dir/blob.json", b"jobName\x00\x00\x00")

    items = read_paths(["model.bin", "dir"]).items

    assert _summary(items) == [
        ("LoadError", "model.bin", 1, None, "binary file, not a text document"),
        ("LoadError", "dir/blob.json", 1, None, "binary file, not a text document"),
    ]


N = 10_000
DEEP_DOCUMENTS = {
    "lists.json": '{"jobName": "x", "baseModelArn": ' + "[" * N + "]" * N + "}",
    "objects.json": '{"jobName": "x", "n": ' + '{"a": ' * N + "1" + "}" * (N + 1),
    "flow.yaml": "jobName: x\nbaseModelArn: " + "[" * N + "]" * N + "\n",
    "flow-maps.yaml": "jobName: x\nn: " + "{a: " * N + "1" + "}" * N + "\n",
    "compact-sequences.yaml": "- " * N + "jobName: x\n",
    # block indentation grows quadratically: 200 levels are enough to cross the limit
    "block.yaml": "jobName: x\nn:\n" + "".join(" " * d + "a:\n" for d in range(1, 200)),
}


@pytest.mark.parametrize("name", sorted(DEEP_DOCUMENTS))
def test_nesting_10000_levels_is_a_clean_load_error(write_file, name: str) -> None:
    write_file(name, DEEP_DOCUMENTS[name])

    error = _only_error(read_paths([name]))  # a RecursionError escaping would fail the test

    assert error.message == "document is nested more than 64 levels deep"


def test_file_larger_than_the_limit_is_an_error(
    write_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024 * 1024)
    write_file("huge.json", json.dumps(GOOD_JOB) + " " * (1024 * 1024))

    error = _only_error(read_paths(["huge.json"]))

    assert error.message == "file is larger than 1 MiB"


# ---------------------------------------------------------------------------------------------
# End to end through the CLI


def test_cli_exits_3_when_one_bad_file_sits_among_good_ones(write_file) -> None:
    write_file("jobs/good.json", GOOD_JOB)
    write_file("jobs/bad.yaml", "jobName: x\n  roleArn: [\n")

    result = CliRunner().invoke(cli, ["check", "jobs", "--format", "json"])

    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert report["exitCode"] == 3
    jobs = {job["source"]["path"]: job for job in report["jobs"]}
    assert set(jobs) == {"jobs/good.json", "jobs/bad.yaml"}
    assert jobs["jobs/good.json"]["name"] == "good-ft-job"
    assert jobs["jobs/good.json"]["outcome"] == "passed"
    assert jobs["jobs/bad.yaml"]["outcome"] == "errored"
    assert jobs["jobs/bad.yaml"]["source"]["line"] == 2
    assert jobs["jobs/bad.yaml"]["error"].startswith("invalid YAML: ")
    assert report["summary"]["errored"] == 1
    assert report["summary"]["passed"] == 1


def test_cli_reports_skipped_files_and_exits_0(write_file) -> None:
    write_file("repo/job.json", GOOD_JOB)
    write_file("repo/package.json", {"name": "web"})

    result = CliRunner().invoke(cli, ["check", "repo", "--format", "json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["skippedFiles"] == ["repo/package.json"]
    assert report["summary"]["skippedFiles"] == 1


def test_cli_directory_without_jobs_exits_3(write_file) -> None:
    write_file("site/package.json", {"name": "web"})

    result = CliRunner().invoke(cli, ["check", "site", "--format", "json"])

    assert result.exit_code == 3, result.output
    [job] = json.loads(result.stdout)["jobs"]
    assert job["error"] == "no job documents found in this directory (1 file passed over)"


def test_a_file_only_run_never_imports_boto3(write_file, tmp_path: Path) -> None:
    path = write_file("job.json", GOOD_JOB)
    code = textwrap.dedent(f"""\
        import sys
        from checker.cli import cli
        code = cli.main(["check", {str(path)!r}, "--format", "json"], standalone_mode=False)
        loaded = sorted(m for m in ("boto3", "botocore", "moto") if m in sys.modules)
        print(f"exit={{code}} loaded={{loaded}}", file=sys.stderr)
        """)

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "exit=0 loaded=[]"
    assert json.loads(result.stdout)["jobs"][0]["name"] == "good-ft-job"
