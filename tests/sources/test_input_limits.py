"""Hostile inputs within the file-size cap: linear time, bounded memory, bounded reads.

Each test that could hang or exhaust memory runs its work in a child process with a timeout and
an address-space limit (tests/helpers/bounded.py); the sizes are chosen so that quadratic time
or per-character memory would take minutes or gigabytes, and linear code well under a second.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.bounded import run_bounded
from helpers.jobs import SMALL_REQUEST

from checker import parsing
from checker.cli import cli
from checker.model import Job, LoadError
from checker.sources import files, terraform
from checker.sources.files import read_file, read_paths

JOB = SMALL_REQUEST


def _tf_resource(name: str, body: str = "") -> str:
    return (
        f'resource "aws_bedrock_custom_model" "{name}" {{\n'
        f'  job_name              = "{name}"\n'
        '  custom_model_name     = "m"\n'
        '  base_model_identifier = "amazon.titan-text-lite-v1:0:4k"\n'
        f"{body}"
        "  output_data_config {\n"
        '    s3_uri = "s3://b/out/"\n'
        "  }\n"
        "}\n"
    )


# ---------------------------------------------------------------------------------------------
# Linear time


def test_placeholder_scan_is_linear() -> None:
    # 1.6 MB of "${": about 12 minutes with a scan that reads to the end from every "${".
    out = run_bounded(
        """
        from checker import normalize
        document = {"jobName": "${" * 800_000, "outputModelName": "m"}
        normalize.finish(document, {}, normalize.CREATE_REQUEST, set())
        print(document["derived"]["unresolved"])
        """,
        seconds=30,
    )
    assert out.strip() == "[]"


def test_placeholder_forms_are_still_found() -> None:
    for value, found in (
        ("s3://${bucket}/x", True),
        ("${a${b}", True),
        ("${a$b}", True),
        ("${ unclosed", False),
        ("$}", False),
    ):
        document = {"jobName": value, "outputModelName": "m"}
        from checker import normalize

        normalize.finish(document, {}, normalize.CREATE_REQUEST, set())
        assert (document["derived"]["unresolved"] == ["jobName"]) is found, value


def test_terraform_heredoc_of_escaped_quotes_is_linear(tmp_path: Path) -> None:
    # 200 KB of \" in a heredoc: minutes with a string regex tried from every quote.
    body = "  tags = {\n    note = <<EOT\n" + '\\"' * 100_000 + "\nEOT\n  }\n"
    path = tmp_path / "escapes.tf"
    path.write_text(_tf_resource("a", body))
    out = run_bounded(
        f"""
        from pathlib import Path
        from checker.sources.files import read_file
        [job] = read_file(Path({str(path)!r}), explicit=True)
        print(job.lines["outputDataConfig.s3Uri"])
        """,
        seconds=60,
    )
    assert out.split() == ["11"]


def test_braces_in_a_heredoc_neither_shift_lines_nor_extend_the_block(tmp_path: Path) -> None:
    heredoc = '  tags = {\n    note = <<-EOT\n      a { b "c\n    EOT\n  }\n'
    text = _tf_resource("first", heredoc) + _tf_resource("second")

    first, second = read_file(_write(tmp_path / "h.tf", text), explicit=True) or []

    assert isinstance(first, Job)
    assert isinstance(second, Job)
    assert 'a { b "c' in first.document["tags"]["note"]
    assert first.lines["outputDataConfig.s3Uri"] == 11
    assert (second.origin.line, second.lines["jobName"]) == (14, 15)
    assert second.lines["outputDataConfig.s3Uri"] == 19


def test_many_resources_with_heredoc_braces_are_read_in_linear_time(tmp_path: Path) -> None:
    # A scan that reads on to the end of the file from each block: 2,000 blocks of 13 lines
    # take some 13 million line visits (minutes); each block's own lines, 26,000. The HCL
    # parser is replaced by a stub, so that only the checker's own scanning is timed.
    body = '  tags = {\n    note = <<EOT\n{ "\nEOT\n  }\n'
    text = "".join(_tf_resource(f"r{i}", body) for i in range(2_000))
    path = _write(tmp_path / "many.tf", text)
    out = run_bounded(
        f"""
        from pathlib import Path
        import hcl2
        from checker.sources.files import read_file
        values = {{"job_name": "j", "custom_model_name": "m", "tags": {{"note": "{{"}}}}
        names = {{f"r{{i}}": values for i in range(2_000)}}
        parsed = {{"resource": [{{{terraform.RESOURCE_TYPE!r}: names}}]}}
        hcl2.loads = lambda text, **options: parsed
        jobs = read_file(Path({str(path)!r}), explicit=True)
        print(len(jobs), jobs[-1].origin.line, jobs[-1].lines["jobName"])
        """,
        seconds=30,
    )
    assert out.split() == ["2000", str(1 + 13 * 1_999), str(2 + 13 * 1_999)]


# ---------------------------------------------------------------------------------------------
# Bounded memory


def test_json_line_map_of_a_long_string_takes_constant_memory() -> None:
    # 10 MB in one string: 1.2 GB when the tokenizer's regex kept state per character.
    out = run_bounded(
        """
        import json
        from checker import parsing
        text = json.dumps({"jobName": "x" * 10_000_000, "roleArn": "r"})
        parsed = parsing.parse_json(text)
        print(parsed.lines)
        """,
        memory_mib=400,
    )
    assert out.strip() == "{'jobName': 1, 'roleArn': 1}"


def test_json_of_too_many_values_is_refused_before_it_is_parsed() -> None:
    text = "[" + "[]," * parsing.MAX_VALUES + "[]]"
    with pytest.raises(parsing.InputError, match=r"^document holds more than 1,000,000 values$"):
        parsing.parse_json(text)


def test_commas_inside_strings_do_not_count_as_values() -> None:
    text = json.dumps(dict(JOB, jobName="," * (parsing.MAX_VALUES + 5)))
    assert parsing.parse_json(text).data["jobName"].startswith(",,,")


def test_yaml_flow_list_is_refused_before_it_is_composed() -> None:
    # 3 million values: about 1 GB once composed, before any count was made.
    out = run_bounded(
        """
        from checker import parsing
        text = "jobName: j\\nvalues: [" + "1," * 3_000_000 + "1]\\n"
        try:
            list(parsing.parse_yaml(text))
        except parsing.InputError as exc:
            print(exc.message, exc.line)
        """,
        memory_mib=500,
        seconds=120,
    )
    assert out.strip() == "YAML document holds more than 200,000 values 2"


def test_yaml_file_of_many_documents_is_bounded_as_a_whole() -> None:
    documents = "".join("---\n[" + "1," * 99_999 + "1]\n" for _ in range(11))
    with pytest.raises(parsing.InputError, match=r"^file holds more than 1,000,000 values$"):
        list(parsing.parse_yaml(documents))


def test_terraform_resource_larger_than_the_limit_is_an_error(tmp_path: Path) -> None:
    padding = "  # padding\n" * (terraform.MAX_BLOCK_BYTES // 12 + 1)
    text = _tf_resource("small") + _tf_resource("huge", padding)

    [error] = read_file(_write(tmp_path / "big.tf", text), explicit=True) or []

    assert isinstance(error, LoadError)
    assert error.message == "resource aws_bedrock_custom_model.huge is larger than 256 KiB"
    assert error.origin.line == 9


def test_terraform_syntax_error_line_counts_from_the_start_of_the_file(tmp_path: Path) -> None:
    text = 'variable "x" {}\n\n' + _tf_resource("ok") + _tf_resource("bad", "  role_arn =\n")

    [error] = read_file(_write(tmp_path / "bad.tf", text), explicit=True) or []

    assert isinstance(error, LoadError)
    assert error.origin.line == 15
    assert "(line 15, column" in error.message


# ---------------------------------------------------------------------------------------------
# Bounded reads


def test_symlink_to_dev_zero_in_a_walk_is_passed_over(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    _write(jobs / "ok.json", json.dumps(JOB))
    os.symlink("/dev/zero", jobs / "zero.json")
    out = run_bounded(
        f"""
        from checker.sources.files import read_paths
        scan = read_paths([{str(jobs)!r}])
        print(len(scan.items), type(scan.items[0]).__name__, [s[-9:] for s in scan.skipped])
        """,
        memory_mib=500,
    )
    assert out.strip() == "1 Job ['zero.json']"


def test_named_dev_zero_is_refused_after_one_read() -> None:
    out = run_bounded(
        """
        from pathlib import Path
        from checker.sources.files import read_file
        [error] = read_file(Path("/dev/zero"), explicit=True)
        print(error.message)
        """,
        memory_mib=500,
    )
    assert out.strip() == "binary file, not a text document"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_in_a_walk_is_passed_over_without_blocking(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    _write(jobs / "ok.json", json.dumps(JOB))
    os.mkfifo(jobs / "pipe.json")
    out = run_bounded(
        f"""
        from checker.sources.files import read_paths
        scan = read_paths([{str(jobs)!r}])
        print(len(scan.items), [s[-9:] for s in scan.skipped])
        """,
        seconds=20,
    )
    assert out.strip() == "1 ['pipe.json']"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_named_fifo_without_a_writer_is_an_empty_file_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.json")
    out = run_bounded(
        f"""
        from pathlib import Path
        from checker.sources.files import read_file
        [error] = read_file(Path({str(tmp_path / "pipe.json")!r}), explicit=True)
        print(error.message)
        """,
        seconds=20,
    )
    assert out.strip() == "empty file"


class _Endless(io.RawIOBase):
    """A stream that never ends, as a pipe from a runaway program would be."""

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("an unbounded read of an endless stream")
        return b"a" * size


def test_stdin_is_read_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024 * 1024)

    scan = read_paths(["-"], stdin=_Endless())  # type: ignore[arg-type]

    [error] = scan.items
    assert isinstance(error, LoadError)
    assert (error.origin.path, error.message) == ("<stdin>", "file is larger than 1 MiB")


def test_regular_file_growing_past_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024)
    path = _write(tmp_path / "big.json", json.dumps(dict(JOB, note="x" * 2000)))

    [error] = read_file(path, explicit=True) or []

    assert isinstance(error, LoadError)
    assert error.message == "file is larger than 0 MiB"


# ---------------------------------------------------------------------------------------------
# Integers beyond what Python prints


@pytest.mark.parametrize(
    ("spelling", "column"),
    [("0x" + "f" * 3_700, 7), ("0b" + "1" * 15_000, 7), ("1" + ":59" * 2_500, 7)],
)
def test_huge_yaml_integer_is_one_errored_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_file, spelling: str, column: int
) -> None:
    monkeypatch.chdir(tmp_path)  # reports show paths relative to it
    write_file("jobs/huge.yaml", "jobName: j\ncustomModelName: m\nbaseModelIdentifier: x\n"
               f"size: {spelling}\n")  # fmt: skip
    write_file("jobs/good.json", JOB)

    result = CliRunner().invoke(cli, ["check", "jobs", "--format", "json"])

    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    jobs = {job["source"]["path"]: job for job in report["jobs"]}
    assert jobs["jobs/good.json"]["outcome"] != "errored"
    assert jobs["jobs/huge.yaml"]["outcome"] == "errored"
    assert jobs["jobs/huge.yaml"]["source"]["line"] == 4
    assert jobs["jobs/huge.yaml"]["error"].startswith(f"invalid YAML: cannot read '{spelling[:10]}")
    assert jobs["jobs/huge.yaml"]["error"].endswith(f"as !!int (line 4, column {column})")


def test_largest_printable_yaml_integer_is_read() -> None:
    [parsed] = parsing.parse_yaml("n: " + "9" * parsing.MAX_INT_DIGITS + "\n")
    assert len(str(parsed.data["n"])) == parsing.MAX_INT_DIGITS


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
