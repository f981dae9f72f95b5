"""Property-based fuzzing of the loaders: any bytes, text, mutated document, YAML with tags,
anchors and aliases, or Terraform plan becomes jobs or one-line error results, never a crash.

The "ci" Hypothesis profile (tests/conftest.py) keeps this bounded; for a thorough search run
``HYPOTHESIS_PROFILE=long python -m pytest tests/sources/test_fuzz_loading.py``.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import yaml
from helpers.fuzz import (
    EXAMPLES,
    RULE_PATHS,
    SUFFIXES,
    deeply_nested,
    job_documents,
    json_values,
    load,
    modest_values,
    parse_example,
    terraform_resources,
)
from helpers.jobs import GOOD_JOB
from hypothesis import given
from hypothesis import strategies as st

from checker.model import Job

# ---------------------------------------------------------------------------------------------
# Property 1: file loaders never raise


@given(st.binary(max_size=2_000), st.sampled_from(SUFFIXES), st.booleans())
def test_arbitrary_bytes_load_without_raising(raw: bytes, suffix: str, explicit: bool) -> None:
    load(raw, suffix, explicit)


@given(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=2_000),
    st.sampled_from(SUFFIXES),
    st.booleans(),
)
def test_arbitrary_text_loads_without_raising(text: str, suffix: str, explicit: bool) -> None:
    load(text.encode("utf-8"), suffix, explicit)


def _serialise(draw: st.DrawFn, data: Any) -> tuple[str, str]:
    """A document as JSON (compact or indented) or YAML (block or flow); (text, suffix)."""
    form = draw(st.sampled_from(["json", "json-indent", "yaml", "yaml-flow"]))
    if form.startswith("json"):
        return json.dumps(data, indent=2 if form == "json-indent" else None), ".json"
    return yaml.safe_dump(data, default_flow_style=form == "yaml-flow", width=80), ".yaml"


@st.composite
def text_mutations(draw: st.DrawFn, text: str) -> str:
    """Truncate, insert into, cut from or duplicate parts of a serialised document."""
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["truncate", "insert", "cut", "duplicate", "long-number"]))
        if action == "long-number":  # more digits than Python converts to an int (4,300)
            text = text[:at] + re.sub(r"\d+", "9" * 4_400, text[at:], count=1)
        elif action == "truncate":
            text = text[:at]
        elif action == "insert":
            inserted = draw(
                st.one_of(
                    st.sampled_from(list("{}[]:,\"'\\\n\t-?&*!#%|>@` \x00\ufeff")),
                    st.text(max_size=8),
                )
            )
            text = text[:at] + inserted + text[at:]
        elif action == "cut":
            end = draw(st.integers(at, min(len(text), at + 40)))
            text = text[:at] + text[end:]
        else:
            end = draw(st.integers(at, min(len(text), at + 200)))
            text = text[:end] + text[at:]
    return text


def all_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path (as a tuple of keys and indexes) in a JSON-like document."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += all_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += all_paths(value, (*prefix, index))
    return found


@st.composite
def structural_mutations(draw: st.DrawFn, data: Any) -> Any:
    """Any field of a document (a Terraform plan's change, a module's resources...) deleted or
    given a value of another type."""
    data = copy.deepcopy(data)
    paths = all_paths(data)
    for path in draw(st.lists(st.sampled_from(paths), max_size=5)) if paths else []:
        node = data
        for key in path[:-1]:  # an earlier mutation may have replaced part of the path
            if (isinstance(node, dict) and key in node) or _has_index(node, key):
                node = node[key]
            else:
                break
        else:
            key = path[-1]
            if not (isinstance(node, dict) or _has_index(node, key)):
                continue
            if draw(st.integers(0, 3)) != 0:
                node[key] = draw(st.one_of(modest_values, deeply_nested))
            elif isinstance(node, dict):
                node.pop(key, None)
            else:
                del node[key]
    return data


def _has_index(node: Any, key: Any) -> bool:
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[bytes, str]:
    """Real documents and example files, mutated as data and then as text."""
    source = draw(st.sampled_from(["example", "example-data", "generated"]))
    if source == "example":
        path = draw(st.sampled_from(EXAMPLES))
        text, suffix = path.read_text(encoding="utf-8"), path.suffix
    elif source == "example-data":
        path = draw(st.sampled_from([p for p in EXAMPLES if p.suffix != ".tf"]))
        text, suffix = _serialise(draw, draw(structural_mutations(parse_example(path))))
    else:
        documents_ = draw(st.lists(job_documents(), min_size=1, max_size=3))
        data: Any = documents_[0] if len(documents_) == 1 else documents_
        text, suffix = _serialise(draw, data)
    text = draw(text_mutations(text))
    raw = text.encode("utf-8", "surrogatepass" if draw(st.booleans()) else "replace")
    if draw(st.integers(0, 9)) == 0:
        raw = b"\xef\xbb\xbf" + raw  # a UTF-8 byte-order mark
    return raw, suffix


@given(mutated_documents(), st.booleans())
def test_mutated_documents_load_without_raising(case: tuple[bytes, str], explicit: bool) -> None:
    raw, suffix = case
    load(raw, suffix, explicit)


# YAML features a job file may use or abuse: anchors, aliases, merge keys and tags of every kind.
YAML_TAGS = (
    "",
    "!Ref ",
    "!Sub ",
    "!GetAtt ",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "!!binary ",
    "!!timestamp ",
    "!!set ",
    "!!omap ",
    "!!pairs ",
    "!!seq ",
    "!!map ",
    "!!merge ",
    "!!value ",
    "!!python/object:os.system ",
    "!!python/name:os.system ",
    "!<tag:yaml.org,2002:int> ",
    "!<tag:example.com,2000:%0Anew-line> ",
    "!<!%E2%80%A8> ",
)
YAML_SCALARS = (
    "x",
    "0",
    "-1",
    "0x1F",
    "0o17",
    "1_000",
    "1" * 5_000,
    "1.5e10",
    ".inf",
    ".nan",
    "~",
    "null",
    "yes",
    "Off",
    "2024-01-01",
    "2024-02-30",
    "2001-12-14t21:59:43.10-05:00",
    "aGVsbG8=",
    "not base64!",
    "'quoted'",
    '"esc\\x00aped\\ud800"',
    "{a: 1}",
    "[1, 2]",
    "{? [a]: b}",
    "[a: 1, b: 2]",
    "s3://corp-train/data/",
)


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    """Job-like YAML whose fields carry random tags, anchors, aliases and merge keys."""
    lines = ["jobName: fuzz", "customModelName: fuzz-model"]
    anchors: list[str] = []
    for index, field in enumerate(
        draw(st.lists(st.sampled_from([p for p in RULE_PATHS if "." not in p]), max_size=6))
    ):
        tag = draw(st.sampled_from(YAML_TAGS))
        if anchors and draw(st.integers(0, 3)) == 0:
            lines.append(f"{field}: {tag}*{draw(st.sampled_from(anchors))}")
            continue
        anchor = f"&a{index} " if draw(st.booleans()) else ""
        if anchor:
            anchors.append(f"a{index}")
        shape = draw(st.sampled_from(["scalar", "block-map", "block-list", "merge"]))
        value = draw(st.sampled_from(YAML_SCALARS))
        if shape == "scalar":
            lines.append(f"{field}: {anchor}{tag}{value}")
        elif shape == "block-map":
            lines += [
                f"{field}: {anchor}{tag}",
                f"  key: {value}",
                "  other: *a0" if anchors else "",
            ]
        elif shape == "block-list":
            lines += [f"{field}: {anchor}{tag}", f"  - {value}", f"  - {tag}{value}"]
        elif anchors:
            lines += [f"{field}: {anchor}", f"  <<: *{anchors[0]}", f"  extra: {value}"]
    if draw(st.integers(0, 5)) == 0:  # a small "billion laughs": aliases of aliases
        depth = draw(st.integers(1, 12))
        lines.append("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]")
        lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, depth)]
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        text = "%YAML 1.1\n---\n" + text + "---\n" + draw(st.sampled_from(YAML_SCALARS)) + "\n"
    return text


@given(yaml_documents(), st.booleans())
def test_yaml_with_tags_anchors_and_aliases_loads_without_raising(
    text: str, explicit: bool
) -> None:
    load(text.encode("utf-8", "surrogatepass"), ".yaml", explicit)


DEPTHS = st.sampled_from([1, 63, 64, 65, 100, 1_000, 30_000])
INDENTS = st.sampled_from([1, 63, 64, 65, 100, 1_000])  # indented text grows with depth squared
nested_texts = st.one_of(
    st.builds(lambda n: "[" * n + "]" * n, DEPTHS),
    st.builds(lambda n: '{"jobName": ' + '{"a": ' * n + "1" + "}" * n + "}", DEPTHS),
    st.builds(lambda n: "[" * n, DEPTHS),  # unclosed
    st.builds(lambda n: "jobName: x\nk: " + "[" * n + "]" * n, DEPTHS),
    st.builds(lambda n: "jobName: x\nk:\n" + "".join(" " * i + "- \n" for i in range(n)), INDENTS),
    st.builds(lambda n: "jobName: x\n" + "".join(" " * i + "a:\n" for i in range(n)), INDENTS),
    st.builds(lambda n: "- " * n + "x", DEPTHS),
    st.builds(lambda n: "? " * n + "x", DEPTHS),
    st.builds(lambda n: '{"jobName": "x"}\n' + "[" * n + "]" * n + "\n{}", DEPTHS),
)


@given(nested_texts, st.sampled_from([".json", ".yaml", ".jsonl", ".tf"]))
def test_deeply_nested_documents_load_without_raising(text: str, suffix: str) -> None:
    load(text.encode("utf-8"), suffix)


@given(st.integers(min_value=1_000, max_value=300_000), st.sampled_from([".json", ".yaml"]))
def test_huge_strings_load_without_raising(size: int, suffix: str) -> None:
    document = dict(GOOD_JOB, jobName="j" * size, hyperParameters={"epochCount": "9" * size})
    [job] = load(json.dumps(document).encode("utf-8"), suffix) or []
    assert isinstance(job, Job)
    assert len(job.document["jobName"]) == size


def hostile(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The expected shape most of the time, a value of any other type otherwise."""
    return st.one_of(strategy, strategy, modest_values)


terraform_changes = st.fixed_dictionaries(
    {"type": st.just("aws_bedrock_custom_model")},
    optional={
        "address": modest_values,
        "change": hostile(
            st.fixed_dictionaries(
                {"after": hostile(terraform_resources())}, optional={"after_unknown": json_values}
            )
        ),
    },
)
terraform_module_resources = hostile(
    st.lists(
        st.fixed_dictionaries(
            {"type": st.just("aws_bedrock_custom_model")},
            optional={"address": modest_values, "values": hostile(terraform_resources())},
        ),
        max_size=2,
    )
)
terraform_modules = st.recursive(
    st.fixed_dictionaries({}, optional={"resources": terraform_module_resources}),
    lambda children: st.fixed_dictionaries(
        {},
        optional={
            "resources": terraform_module_resources,
            "child_modules": hostile(st.lists(children, max_size=2)),
        },
    ),
    max_leaves=3,
)
terraform_documents = st.one_of(
    st.fixed_dictionaries(
        {"format_version": st.just("1.2")},
        optional={"resource_changes": hostile(st.lists(hostile(terraform_changes), max_size=3))},
    ),
    st.fixed_dictionaries(
        {"format_version": st.just("1.2")},
        optional={
            "planned_values": hostile(
                st.fixed_dictionaries({"root_module": hostile(terraform_modules)})
            ),
            "values": hostile(st.fixed_dictionaries({"root_module": hostile(terraform_modules)})),
        },
    ),
    st.fixed_dictionaries(
        {
            "resource": st.fixed_dictionaries(
                {
                    "aws_bedrock_custom_model": hostile(
                        st.dictionaries(
                            st.text(max_size=8),
                            hostile(
                                st.one_of(terraform_resources(), st.lists(terraform_resources()))
                            ),
                            max_size=2,
                        )
                    )
                }
            )
        }
    ),
)


@given(terraform_documents, st.booleans())
def test_terraform_plans_states_and_json_configs_load_without_raising(document, explicit) -> None:
    """Plans, states and .tf.json configurations with any part of the wrong type."""
    load(json.dumps(document).encode("utf-8"), ".json", explicit)
