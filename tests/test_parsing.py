"""checker/parsing.py: safe JSON/YAML parsing that remembers the line of every key."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from itertools import pairwise
from pathlib import Path

import pytest

from checker import parsing
from checker.errors import InputError


def _parse_yaml(text: str, **options: bool) -> list[parsing.ParsedDocument]:
    return list(parsing.parse_yaml(textwrap.dedent(text), **options))


def _run_isolated(code: str, timeout: float = 20) -> str:
    """Run ``code`` in a child with 1 GiB of address space: a hang, memory blow-up or C-stack
    overflow then fails one test instead of taking pytest down with it."""
    prelude = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from checker.errors import InputError\n"
        "from checker import parsing\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"child died with {result.returncode}: {result.stderr[-2000:]}"
    return result.stdout


# ---------------------------------------------------------------------------------------------
# JSON line maps


def test_json_line_map_covers_keys_nested_keys_and_list_items() -> None:
    text = textwrap.dedent("""\
        {
          "jobName": "j",
          "vpcConfig": {
            "subnetIds": [
              "subnet-a",
              "subnet-b"
            ],
            "securityGroupIds": ["sg-1"]
          },
          "validationDataConfig": {"validators": [
            {"s3Uri": "s3://b/v1"},
            {"s3Uri": "s3://b/v2"}
          ]}
        }
        """)

    parsed = parsing.parse_json(text)

    assert parsed.data["vpcConfig"]["subnetIds"] == ["subnet-a", "subnet-b"]
    assert parsed.line == 1
    assert parsed.lines == {
        "jobName": 2,
        "vpcConfig": 3,
        "vpcConfig.subnetIds": 4,
        "vpcConfig.subnetIds.0": 5,
        "vpcConfig.subnetIds.1": 6,
        "vpcConfig.securityGroupIds": 8,
        "vpcConfig.securityGroupIds.0": 8,
        "validationDataConfig": 10,
        "validationDataConfig.validators": 10,
        "validationDataConfig.validators.0": 11,
        "validationDataConfig.validators.0.s3Uri": 11,
        "validationDataConfig.validators.1": 12,
        "validationDataConfig.validators.1.s3Uri": 12,
    }


def test_json_keys_that_also_appear_as_string_values_keep_their_own_lines() -> None:
    # Values spelled like keys, and strings holding JSON punctuation, must not be taken for keys.
    text = textwrap.dedent("""\
        {
          "jobName": "roleArn",
          "note": "a,\\"roleArn\\": {[",
          "tags": ["jobName", "roleArn"],
          "roleArn": "jobName",
          "empty": {},
          "none": [],
          "after": [{}, {"jobName": 1}]
        }
        """)

    parsed = parsing.parse_json(text)

    assert parsed.data["note"] == 'a,"roleArn": {['
    assert parsed.lines == {
        "jobName": 2,
        "note": 3,
        "tags": 4,
        "tags.0": 4,
        "tags.1": 4,
        "roleArn": 5,
        "empty": 6,
        "none": 7,
        "after": 8,
        "after.0": 8,
        "after.1": 8,
        "after.1.jobName": 8,
    }


def test_json_array_items_are_numbered_from_the_root() -> None:
    text = '[\n  {"jobName": "a"},\n\n  {"jobName": "b"}\n]\n'

    parsed = parsing.parse_json(text)

    assert parsed.lines == {"0": 2, "0.jobName": 2, "1": 4, "1.jobName": 4}
    assert parsing.group_lines(parsed.lines) == {"0": {"jobName": 2}, "1": {"jobName": 4}}


def test_invalid_json_names_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        parsing.parse_json('{\n  "jobName": "a",\n  "roleArn": ,\n}')

    assert caught.value.message == "invalid JSON: Expecting value (line 3, column 14)"
    assert caught.value.line == 3


# ---------------------------------------------------------------------------------------------
# YAML line maps and streams


def test_yaml_line_map_covers_block_and_flow_collections() -> None:
    [parsed] = _parse_yaml("""\
        # a comment line
        jobName: j
        vpcConfig:
          subnetIds:
            - subnet-a
            - subnet-b
          securityGroupIds: [sg-1, sg-2]
        hyperParameters:
          epochCount: "2"
        """)

    assert parsed.data["vpcConfig"]["securityGroupIds"] == ["sg-1", "sg-2"]
    assert parsed.line == 2
    assert parsed.lines == {
        "jobName": 2,
        "vpcConfig": 3,
        "vpcConfig.subnetIds": 4,
        "vpcConfig.subnetIds.0": 5,
        "vpcConfig.subnetIds.1": 6,
        "vpcConfig.securityGroupIds": 7,
        "vpcConfig.securityGroupIds.0": 7,
        "vpcConfig.securityGroupIds.1": 7,
        "hyperParameters": 8,
        "hyperParameters.epochCount": 9,
    }


def test_multi_document_yaml_gives_each_document_its_start_line() -> None:
    docs = _parse_yaml("""\
        jobName: first
        ---
        # second job
        jobName: second
        roleArn: r
        ---
        """)

    assert [d.data for d in docs] == [
        {"jobName": "first"},
        {"jobName": "second", "roleArn": "r"},
        None,
    ]
    assert [d.line for d in docs[:2]] == [1, 4]
    assert docs[1].lines == {"jobName": 4, "roleArn": 5}


def test_invalid_yaml_names_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        _parse_yaml("""\
            jobName: a
            roleArn: b
              nested: c
            """)

    assert caught.value.message == (
        "invalid YAML: mapping values are not allowed in this context (line 3, column 9)"
    )
    assert caught.value.line == 3


def test_yaml_timestamps_become_iso_strings() -> None:
    [parsed] = _parse_yaml("""\
        creationTime: 2023-11-29T10:45:43.056000+00:00
        endTime: 2023-11-29 11:00:00
        day: 2024-01-02
        quoted: "2024-01-02"
        2024-02-03: dated key
        """)

    assert parsed.data == {
        "creationTime": "2023-11-29T10:45:43.056000+00:00",
        "endTime": "2023-11-29T11:00:00",
        "day": "2024-01-02",
        "quoted": "2024-01-02",
        "2024-02-03": "dated key",
    }


def test_yaml_binary_sets_and_number_keys_become_json_like() -> None:
    [parsed] = _parse_yaml("""\
        blob: !!binary aGVsbG8=
        members: !!set {a}
        1: one
        """)

    assert parsed.data == {"blob": "hello", "members": ["a"], "1": "one"}


def test_cloudformation_local_tags_are_read_as_plain_values() -> None:
    [parsed] = _parse_yaml("""\
        roleArn: !GetAtt [BedrockRole, Arn]
        jobName: !Ref JobName
        outputDataConfig:
          s3Uri: !Sub
            - s3://${Bucket}/out/
            - Bucket: !Ref OutputBucket
        tags: !Custom {team: ml}
        """)

    assert parsed.data == {
        "roleArn": ["BedrockRole", "Arn"],
        "jobName": "JobName",
        "outputDataConfig": {"s3Uri": ["s3://${Bucket}/out/", {"Bucket": "OutputBucket"}]},
        "tags": {"team": "ml"},
    }
    assert parsed.lines["outputDataConfig.s3Uri.1.Bucket"] == 6


def test_policy_files_refuse_local_tags() -> None:
    with pytest.raises(InputError) as caught:
        _parse_yaml("jobName: !Ref JobName\n", strict_tags=True)

    assert caught.value.message == "invalid YAML: unsupported YAML tag '!Ref' (line 1, column 10)"


@pytest.mark.parametrize("strict_tags", [False, True])
@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        ("!!python/object/apply:os.system", "python/object/apply:os.system"),
        ("!!python/object/new:os.system", "python/object/new:os.system"),
        ("!!python/name:os.system", "python/name:os.system"),
    ],
)
def test_python_tags_are_refused_and_nothing_runs(
    tmp_path: Path, tag: str, shown: str, strict_tags: bool
) -> None:
    marker = tmp_path / "pwned"
    text = f"jobName: ok\nroleArn: {tag} ['touch {marker}']\n"

    with pytest.raises(InputError) as caught:
        _parse_yaml(text, strict_tags=strict_tags)

    assert caught.value.message.startswith("invalid YAML: unsupported YAML tag ")
    assert shown in caught.value.message
    assert "(line 2, column 10)" in caught.value.message
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------
# JSON Lines


def test_json_lines_yield_one_document_per_non_blank_line() -> None:
    text = '{"jobName": "a"}\n\n  \n{"jobName": "b"}\n{"jobName": "c"}'

    docs = list(parsing.parse_json_lines(text))

    assert [(d.data["jobName"], d.line) for d in docs] == [("a", 1), ("b", 4), ("c", 5)]


def test_json_lines_error_names_the_bad_line() -> None:
    text = '{"jobName": "a"}\n{"jobName": "b"}\n{"jobName": }\n'

    *good, bad = parsing.parse_json_lines(text)

    assert [d.data["jobName"] for d in good if isinstance(d, parsing.ParsedDocument)] == [
        "a",
        "b",
    ]
    assert isinstance(bad, InputError)
    assert bad.message == "invalid JSON Lines: Expecting value (line 3, column 13)"
    assert bad.line == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}\n{"b": 2}\n', True),
        ('{"a": 1}\n\n  {"b": 2}\n', True),
        ('{"a": 1}\n', False),  # one line is plain JSON
        ('{"a": 1}\n[1]\n', False),
        ('{\n  "a": 1\n}\n', False),
    ],
)
def test_looks_like_json_lines(text: str, expected: bool) -> None:
    assert parsing.looks_like_json_lines(text) is expected


# ---------------------------------------------------------------------------------------------
# decode()


def test_decode_strips_a_utf8_bom() -> None:
    assert parsing.decode(b'\xef\xbb\xbf{"jobName": "caf\xc3\xa9"}') == '{"jobName": "café"}'


def test_decode_reports_offset_and_line_of_invalid_utf8() -> None:
    raw = b'{\n  "jobName": "a",\n  "roleArn": "caf\xe9"\n}'

    with pytest.raises(InputError) as caught:
        parsing.decode(raw)

    assert caught.value.message == "not valid UTF-8: byte 0xe9 at offset 37 (line 3)"
    assert caught.value.line == 3
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)


def test_decode_refuses_binary() -> None:
    with pytest.raises(InputError, match=r"^binary file, not a text document$"):
        parsing.decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR jobName")


# ---------------------------------------------------------------------------------------------
# Hostile documents: depth, alias bombs


def test_depth_limit_allows_64_levels_and_refuses_65() -> None:
    ok = parsing.parse_json("[" * 64 + "]" * 64)
    assert ok.lines["0" + ".0" * 62] == 1

    with pytest.raises(InputError) as caught:
        parsing.parse_json('{"a": ' + "[" * 64 + "]" * 64 + "}")
    assert caught.value.message == "document is nested more than 64 levels deep"


def test_check_depth_counts_every_level_down_to_the_scalars() -> None:
    parsing.check_depth({"a": [{"b": 1}]}, limit=4)
    with pytest.raises(InputError, match="more than 3 levels deep"):
        parsing.check_depth({"a": [{"b": 1}]}, limit=3)


def test_deep_yaml_is_refused_with_the_line_of_the_first_level_too_deep() -> None:
    text = "".join("  " * level + "a:\n" for level in range(70)) + "  " * 70 + "b: 1\n"

    with pytest.raises(InputError) as caught:
        _parse_yaml(text)

    assert caught.value.message == "document is nested more than 64 levels deep"
    assert caught.value.line == 65


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a": ' * 10_000 + "1" + "}" * 10_000,
    ],
    ids=["lists", "objects"],
)
def test_json_nested_10000_levels_is_a_clean_input_error(text: str) -> None:
    with pytest.raises(InputError, match="nested more than 64 levels deep"):
        parsing.parse_json(text)


def test_yaml_nested_far_past_the_c_stack_is_a_clean_input_error() -> None:
    # libyaml's composer recurses in C: 30,000 levels used to kill the process (SIGSEGV).
    out = _run_isolated("""\
        n = 30_000
        for text in ("v: " + "[" * n + "]" * n, "- " * n + "x", "? " * n + "x",
                     "v: " + "{a: " * n + "1" + "}" * n):
            try:
                list(parsing.parse_yaml(text))
            except InputError as exc:
                print(exc.message)
        """)

    assert out.splitlines() == ["document is nested more than 64 levels deep"] * 4


def test_yaml_nested_10000_levels_in_process() -> None:
    with pytest.raises(InputError, match="nested more than 64 levels deep"):
        _parse_yaml("v: " + "[" * 10_000 + "]" * 10_000 + "\n")


BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_billion_laughs_is_refused_quickly_without_eating_memory() -> None:
    out = _run_isolated(
        f"""\
        import time
        start = time.perf_counter()
        try:
            list(parsing.parse_yaml({BILLION_LAUGHS!r}))
        except InputError as exc:
            print(exc.message)
        print(time.perf_counter() - start)
        """,
        timeout=30,
    )

    message, elapsed = out.splitlines()
    assert message == "YAML expands to more than 200000 values (alias bomb?)"
    assert float(elapsed) < 5


def test_alias_bomb_inside_a_mapping_key_is_refused_quickly() -> None:
    # Every anchor lives inside one complex key, so no value ever expands: only the key does.
    parts = ["&a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    parts += [
        f"&{cur} [" + ", ".join([f"*{prev}"] * 9) + "]" for prev, cur in pairwise("abcdefghi")
    ]
    text = "? [" + ", ".join(parts) + "]\n: 1\n"

    out = _run_isolated(
        f"""\
        try:
            list(parsing.parse_yaml({text!r}))
        except InputError as exc:
            print(exc.message)
        """,
        timeout=30,
    )

    assert out.strip() == "invalid YAML: found unhashable key (line 1, column 3)"


def test_shared_anchors_below_the_limit_are_expanded() -> None:
    [parsed] = _parse_yaml("""\
        defaults: &vpc {subnetIds: [subnet-a], securityGroupIds: [sg-1]}
        vpcConfig: *vpc
        """)

    assert parsed.data["vpcConfig"] == {"subnetIds": ["subnet-a"], "securityGroupIds": ["sg-1"]}
    assert parsed.lines["vpcConfig.subnetIds.0"] == 1
