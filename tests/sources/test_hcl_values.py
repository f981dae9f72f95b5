"""checker/sources/hcl_values.py: the focused block reader gives what python-hcl2 gives, or
leaves the block to it.

Every comparison parses the same block with python-hcl2 (the serialisation options the
Terraform source uses): the reader's value must equal it whenever the reader takes the block.
"""

from __future__ import annotations

from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions
from helpers.paths import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.model import LoadError
from checker.sources import hcl_text, terraform
from checker.sources.files import read_bytes
from checker.sources.hcl_values import resource_attributes

OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)


def parsed(block: str) -> Any:
    """What python-hcl2 gives for the block's resource."""
    document = hcl2.loads(block + "\n", serialization_options=OPTIONS)
    [resource] = document["resource"]
    [by_name] = resource.values()
    [attributes] = by_name.values()
    return attributes


def block(body: str) -> str:
    return f'resource "aws_bedrock_custom_model" "job" {{\n{body}\n}}'


# Attributes the reader takes, each compared with the parser's value.
TAKEN = [
    'a = "plain"',
    "c = 12",
    "d = 1.5",
    "n = -3",
    "z = 007",
    "big = 5000000000000000000000",
    "e = true",
    "f = false",
    "g = null",
    "h = var.x",
    "i = aws_iam_role.r.arn",
    "j = a[0].b",
    's = local.tags["team"]',
    "u = data.aws_caller_identity.current.account_id",
    'k = ["x", 1, var.y,]',
    'k = [\n  "a",\n  "b"\n]',
    'k = ["a", ["b"]]',
    "q = []",
    "r = {}",
    'o = { "epochCount" = "2", batchSize = 3\n  z: 4 }',
    "o = {\n  a = 1,\n  b = 2,\n}",
    "o = {a = {b = [1]}}",
    'o = {"a.b" = 1, "key with space" = "v"}',
    'v = "it\'s"',
    'w = "unicode é"',
    'x = "#not a comment"',
    'x = "100%"',
    'x = "a$"',
    'x = ""',
    'y = "a" # a comment',
    'y = "b" // a comment',
    'vpc_config {\n  subnet_ids = ["a"]\n}\nvpc_config {\n  subnet_ids = ["b"]\n}',
    'output_data_config {\n  s3_uri = "s3://b/out/"\n\n}\n# between\ntags = {\n  team = "x"\n}',
]

# Shapes left to the parser (which gives a value or an error for them).
LEFT = [
    'b = "s3://${var.b}/x"',
    'b = "${ var.x }"',
    'm = "%{ if true }x%{ endif }"',
    'p = "$${lit}"',
    'l = "esc \\" q"',
    'l = "a\\tb"',
    "o = 1e3",
    "o = 0x10",
    "o = .5",
    "ak = /* x */ 1",
    "al = var.list[*].id",
    "am = tolist(var.x)",
    'an = "x" == "y"',
    "ao = { (var.k) = 1 }",
    "ap = -var.x",
    "aq = <<EOT\ntext\nEOT",
    'dynamic "vpc_config" {\n  for_each = []\n  content {}\n}',
    "a = 1\na = 2",
    "tags {\n}\ntags = 1",
    "a = 1 }",
]


@pytest.mark.parametrize("body", TAKEN)
def test_shapes_taken_give_the_parsers_value(body: str) -> None:
    text = block(body)
    assert resource_attributes(text) is not None
    assert resource_attributes(text) == parsed(text)


@pytest.mark.parametrize("body", LEFT)
def test_other_shapes_are_left_to_the_parser(body: str) -> None:
    assert resource_attributes(block(body)) is None


def test_a_block_after_the_closing_brace_is_left_to_the_parser() -> None:
    assert resource_attributes(block("a = 1") + ' resource "x" "y" {}') is None
    assert resource_attributes('resource "t" "n" { a = 1 }') is None


# Random blocks of the shapes taken, compared with the parser.
NAMES = st.from_regex(r"[a-z_][a-z0-9_-]{0,8}", fullmatch=True).filter(
    lambda name: name not in ("true", "false", "null")
)
STRINGS = st.text(
    st.characters(blacklist_characters='"\\\n\r$%', blacklist_categories=("Cs", "Cc")), max_size=12
)
SCALARS = st.one_of(
    STRINGS.map(lambda s: f'"{s}"'),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["true", "false", "null", "1.25", "-0.5", "var.x", "aws_iam_role.r.arn"]),
    st.sampled_from(['local.tags["team"]', "module.m.out[0]", "data.aws_region.current.name"]),
)


def _values(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    separators = st.sampled_from([", ", ",\n", "\n"])
    lists = st.lists(children, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
    members = st.lists(
        st.tuples(st.one_of(NAMES, STRINGS.map(lambda s: f'"{s}"')), children),
        max_size=3,
        unique_by=lambda member: member[0].strip('"'),
    )
    objects = st.tuples(members, separators).map(
        lambda pair: "{" + pair[1].join(f"{k} = {v}" for k, v in pair[0]) + "}"
    )
    return st.one_of(lists, objects)


VALUES = st.recursive(SCALARS, _values, max_leaves=8)


@st.composite
def bodies(draw: st.DrawFn, depth: int = 0) -> str:
    lines = []
    names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    for name in names:
        if depth < 2 and draw(st.booleans()) and draw(st.booleans()):
            for _ in range(draw(st.integers(1, 2))):
                lines.append(f"{name} {{\n{draw(bodies(depth + 1))}\n}}")
        else:
            comment = draw(st.sampled_from(["", "  # note", " // note"]))
            lines.append(f"{name} = {draw(VALUES)}{comment}")
    return "\n".join(lines)


@settings(max_examples=150, deadline=None)
@given(bodies())
def test_random_blocks_of_the_shapes_taken_give_the_parsers_value(body: str) -> None:
    text = block(body)
    assert resource_attributes(text) == parsed(text)


def _tf_blocks() -> list[str]:
    """Each resource block of the project's own .tf files (examples, fixtures, deploy)."""
    found = []
    for path in sorted(REPO.glob("**/*.tf")):
        if ".git" in path.parts or "node_modules" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        code_lines = hcl_text.code_text(text).split("\n")
        for number, line in enumerate(code_lines, start=1):
            if line.lstrip().startswith("resource "):
                _, last = terraform._attribute_lines(code_lines, number)
                found.append("\n".join(text.split("\n")[number - 1 : last]))
    return found


def test_the_projects_own_terraform_blocks_agree_with_the_parser() -> None:
    blocks = _tf_blocks()
    assert len(blocks) >= 5
    taken = 0
    for text in blocks:
        attributes = resource_attributes(text)
        if attributes is None:
            continue
        taken += 1
        assert attributes == parsed(text), text
    assert taken >= 1


def test_the_terraform_source_reads_blocks_with_the_reader() -> None:
    body = 'job_name = "j"\nrole_arn = aws_iam_role.r.arn\nvpc_config {\n  subnet_ids = []\n}'
    text = block(body)
    [(name, attributes, lines, first)] = list(terraform.hcl_resources(text))
    assert (name, first) == ("job", 1)
    assert attributes == {
        "job_name": "j",
        "role_arn": "${aws_iam_role.r.arn}",
        "vpc_config": [{"subnet_ids": []}],
    }
    assert lines["vpc_config.0.subnet_ids"] == 5


def test_a_number_beyond_pythons_int_limit_is_an_error_result_not_a_traceback() -> None:
    digits = "9" * 4400  # int() refuses more than 4,300 digits
    text = (
        'resource "aws_bedrock_custom_model" "m" {\n'
        f"  hyperparameters = {{\n    epochCount = {digits}\n  }}\n}}\n"
    )

    [error] = read_bytes(text.encode(), "m.tf", explicit=True, suffix=".tf") or []

    assert isinstance(error, LoadError)
    assert error.origin.path == "m.tf"
    assert error.message.startswith("invalid Terraform: Exceeds the limit (4300 digits)")
