"""A directory walk finds every job document a parser would accept, however it is spelt.

The walk passes over files that are not job documents without parsing them. That shortcut may
never pass over a document whose keys are written with escapes (JSON ``\\u006a``, YAML
``\\x6a``, a YAML line continuation): the jobs in it must be read and checked.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers.hostile import failing_request, request, write_json
from hypothesis import given
from hypothesis import strategies as st

from checker.cli import cli
from checker.model import Job, LoadError
from checker.sources import recognition
from checker.sources.files import read_paths


def _json_keys_escaped(document: object, escape: str) -> str:
    """JSON with the first letter of every key escaped (``escape`` formats its code point)."""
    return re.sub(
        r'"([A-Za-z])(\w*)":',
        lambda m: f'"{escape.format(ord(m[1]))}{m[2]}":',
        json.dumps(document, indent=2),
    )


def _yaml_keys_escaped(document: object, escape: str) -> str:
    """Block YAML with every key double-quoted and its first letter escaped."""
    return re.sub(
        r"^(\s*(?:- )?)([A-Za-z])(\w*):",
        lambda m: f'{m[1]}"{escape.format(ord(m[2]))}{m[3]}":',
        yaml.safe_dump(document),
        flags=re.M,
    )


ESCAPED_X = _yaml_keys_escaped(failing_request(), "\\x{:02x}")
ESCAPED_JOBS = {
    "escaped.json": _json_keys_escaped(failing_request(), "\\u{:04x}"),
    "escaped-x.yaml": ESCAPED_X,
    "escaped-u.yaml": _yaml_keys_escaped(failing_request(), "\\U{:08X}"),
    # an explicit key whose double-quoted text goes on over a line break
    "continued.yaml": re.sub(
        r'^"\\x6aobName": (.*)$', '? "jo\\\n  bName"\n: \\1', ESCAPED_X, flags=re.M
    ),
}
TF_JSON = {
    "resource": {
        "aws_bedrock_custom_model": {
            "m": {
                "job_name": "escaped-tf",
                "custom_model_name": "m",
                "role_arn": "arn:aws:iam::111122223333:role/r",
                "base_model_identifier": "amazon.titan-text-lite-v1",
                "output_data_config": [{"s3_uri": "s3://corp-out/"}],
                "training_data_config": [{"s3_uri": "s3://corp-train/t.jsonl"}],
            }
        }
    }
}


@pytest.mark.parametrize("name", sorted(ESCAPED_JOBS))
def test_a_walk_reads_a_job_whose_keys_are_escaped(tmp_path: Path, name: str) -> None:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / name).write_text(ESCAPED_JOBS[name], encoding="utf-8")

    scan = read_paths([str(tmp_path / "jobs")])

    [job] = scan.items
    assert isinstance(job, Job)
    assert job.document["jobName"] == "good-ft-job"
    assert scan.skipped == []


def test_a_walk_reads_escaped_terraform_json(tmp_path: Path) -> None:
    text = _json_keys_escaped(TF_JSON, "\\u{:04x}")
    assert "aws_bedrock" not in text and "job_name" not in text
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "model.tf.json").write_text(text, encoding="utf-8")

    [job] = read_paths([str(tmp_path / "infra")]).items

    assert isinstance(job, Job)
    assert job.resource == "aws_bedrock_custom_model.m"


def test_skip_unrecognized_does_not_pass_over_an_escaped_job(tmp_path: Path) -> None:
    path = tmp_path / "escaped.json"
    path.write_text(ESCAPED_JOBS["escaped.json"], encoding="utf-8")

    done = CliRunner().invoke(cli, ["check", "--skip-unrecognized", "--color", "never", str(path)])

    assert done.exit_code == 1, done.output
    assert "BMC001 error" in done.stdout


def test_files_without_a_job_are_still_passed_over_unparsed(tmp_path: Path) -> None:
    write_json(tmp_path / "jobs" / "job.json", request())
    (tmp_path / "jobs" / "package.json").write_text('{"name": "web"}', encoding="utf-8")
    # Not valid YAML, and no job in it: passed over, not an error.
    (tmp_path / "jobs" / "chart.yaml").write_text("name: {{ .Values.name }}\n", encoding="utf-8")

    scan = read_paths([str(tmp_path / "jobs")])

    assert [type(i).__name__ for i in scan.items] == ["Job"]
    assert sorted(os.path.basename(s) for s in scan.skipped) == ["chart.yaml", "package.json"]


def test_a_broken_file_that_mentions_a_job_key_is_still_an_error(tmp_path: Path) -> None:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "broken.json").write_text('{"\\u006aobName": ', encoding="utf-8")

    [error] = read_paths([str(tmp_path / "jobs")]).items

    assert isinstance(error, LoadError)
    assert error.message.startswith("invalid JSON")


KEY_CHARACTERS = st.sampled_from(["plain", "json", "yaml-x", "yaml-U"])


def _spell(word: str, choices: list[str]) -> str:
    out = []
    for char, how in zip(word, choices, strict=True):
        out.append(
            {
                "plain": char,
                "json": f"\\u{ord(char):04x}",
                "yaml-x": f"\\x{ord(char):02x}",
                "yaml-U": f"\\U{ord(char):08X}",
            }[how]
        )
    return "".join(out)


@given(st.data())
def test_the_pre_filter_never_misses_an_escaped_marker(data: st.DataObject) -> None:
    marker = data.draw(st.sampled_from(sorted(recognition.markers())))
    choices = data.draw(st.lists(KEY_CHARACTERS, min_size=len(marker), max_size=len(marker)))
    text = '{"' + _spell(marker, choices) + '": 1}'

    assert recognition.may_hold_job(text)


def test_every_recogniser_declares_markers_the_pre_filter_knows() -> None:
    for recogniser in recognition.RECOGNISERS:
        assert recogniser.markers, recogniser.name
        assert set(recogniser.markers) <= recognition.markers()


def test_a_walk_reads_terraform_whose_resource_type_is_escaped(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(
        'resource "aws_bedrock_\\u0063ustom_model" "m" {\n'
        '  custom_model_name     = "m"\n'
        '  job_name              = "escaped-hcl"\n'
        '  base_model_identifier = "amazon.titan-text-lite-v1"\n'
        '  role_arn              = "arn:aws:iam::111122223333:role/r"\n'
        "}\n",
        encoding="utf-8",
    )

    [job] = read_paths([str(tmp_path / "infra")]).items

    assert isinstance(job, Job)
    assert job.resource == "aws_bedrock_custom_model.m"


def test_a_document_without_a_job_among_jobs_is_an_error_result_not_dropped() -> None:
    from checker.model import LoadError
    from checker.sources.files import read_bytes

    job = request()
    nameless = {key: value for key, value in job.items() if key != "jobName"}
    text = yaml.safe_dump_all([job, nameless])

    items = read_bytes(text.encode("utf-8"), "jobs.yaml", explicit=True, suffix=".yaml") or []

    assert len(items) == 2
    assert isinstance(items[1], LoadError)
    assert items[1].message == "item 1 is not a customization job"
