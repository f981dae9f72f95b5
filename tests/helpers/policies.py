"""Hypothesis strategies for policies: custom rules over job fields, written in the project's
vocabulary (checker/vocabulary.py) and the Cerberus rules policies use most, now and then with a
mistake a policy author makes."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from checker.packs import hyperparameter_families
from checker.vocabulary import ARN_PARTS
from helpers.fuzz import (
    RULE_PATHS,
    json_scalars,
    json_values,
)

FAMILIES = sorted(hyperparameter_families())
FIELD_NAMES = st.one_of(
    st.sampled_from(sorted({p.split(".")[0] for p in RULE_PATHS})),
    st.sampled_from(["subnetIds", "s3Uri", "validators", "epochCount", "unresolved", "account"]),
    st.text(min_size=1, max_size=8),
)
# sampled_from favours its first items: mostly False.
rarely = st.sampled_from([False] * 7 + [True])
globs = st.one_of(
    st.sampled_from(["*", "aws", "us-*", "111122223333", "key/*", "[a-", "[!x]*", "?"]),
    st.text(max_size=8),
)
glob_lists = st.one_of(globs, st.lists(globs, max_size=3))
# Regexes from atoms without groups: no nested quantifiers, so no catastrophic backtracking.
regex_atoms = st.sampled_from(["a", "s3", ".", r"\d", r"\w", "[a-z]", "[^:]", ":", "/", "-"])
regex_quantifiers = st.sampled_from(["", "", "*", "+", "?", "{1,3}", "{2}"])
simple_regexes = st.lists(st.tuples(regex_atoms, regex_quantifiers), max_size=5).map(
    lambda parts: "".join(atom + quantifier for atom, quantifier in parts)
)
numbers = st.one_of(st.integers(-(10**6), 10**6), st.floats(allow_nan=False, width=32))
# The vocabulary with well-typed arguments: the custom rules (checker/vocabulary.py) and the
# Cerberus rules policies use most; $name strings are vars of the built-in packs.
CONSTRAINTS: dict[str, st.SearchStrategy[Any]] = {
    "arn": st.dictionaries(
        st.sampled_from(ARN_PARTS), st.one_of(st.just("same"), glob_lists), max_size=3
    ),
    "s3_in": glob_lists,
    "s3_disjoint_from": st.lists(
        st.sampled_from(["training", "validation", "output", "invocationLogs"]), max_size=3
    ),
    "number": st.fixed_dictionaries(
        {},
        optional={
            "min": numbers,
            "max": st.one_of(numbers, st.just("$max_epoch_count")),
            "integer": st.booleans(),
            "keywords": st.lists(st.sampled_from(["Auto", "auto", ""]), max_size=2),
        },
    ),
    "glob": glob_lists,
    "not_glob": st.one_of(glob_lists, st.just("$cross_region_profile_prefixes")),
    "minlength_of": st.sampled_from(
        ["validationDataConfig.validators", "vpcConfig.subnetIds", "jobName", "no.such.path", ""]
    ),
    "no_placeholders": st.booleans(),
    "hp_numeric": st.one_of(st.booleans(), st.sampled_from([*FAMILIES, "no-such-family"])),
    "hp_documented_names": st.one_of(st.booleans(), st.sampled_from([*FAMILIES, "x"])),
    "hp_documented_ranges": st.one_of(st.booleans(), st.sampled_from([*FAMILIES, "x"])),
    "type": st.one_of(
        st.sampled_from(["string", "integer", "number", "boolean", "dict", "list"]),
        st.lists(st.sampled_from(["string", "list", "dict", "number"]), min_size=1, max_size=2),
    ),
    "required": st.booleans(),
    "nullable": st.booleans(),
    "empty": st.booleans(),
    "allowed": st.one_of(st.lists(json_scalars, max_size=4), st.just("$limit_list")),
    "regex": simple_regexes,
    "minlength": st.integers(-1, 5),
    "maxlength": st.integers(0, 5),
}
# Mistakes a policy author makes: a misspelt or unknown rule, an argument of the wrong type, a
# regex that does not compile, a var that does not exist.
mistakes = st.one_of(
    st.tuples(st.sampled_from(["alowed", "arn_part", "hp_range"]), json_values),
    st.tuples(st.sampled_from(sorted(CONSTRAINTS)), json_values),
    st.tuples(st.just("regex"), st.sampled_from(["(", "[", "a{2,1}", "*", "\\", "(?P<x>a)(?P=y)"])),
    st.tuples(st.just("arn"), st.just({"colour": "red"})),
    st.tuples(st.just("type"), st.sampled_from(["strang", "datetime", "set"])),
    st.tuples(st.sampled_from(["allowed", "glob", "number"]), st.just("$no_such_var")),
    st.tuples(st.just("s3_disjoint_from"), st.just(["other"])),
)


@st.composite
def field_rules(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    """One field's constraints: a few from the vocabulary, maybe a nested schema or a mistake."""
    names = draw(st.lists(st.sampled_from(sorted(CONSTRAINTS)), max_size=3, unique=True))
    rules = {name: draw(CONSTRAINTS[name]) for name in names}
    if depth and draw(st.booleans()):
        # A mapping's schema names its fields; a list's schema holds one item's rules.
        if draw(st.booleans()):
            rules.update(type="dict", schema=draw(field_schemas(depth - 1)))
        else:
            rules.update(type="list", schema=draw(field_rules(depth - 1)))
    if draw(rarely):
        name, value = draw(mistakes)
        rules[name] = value
    return rules


def field_schemas(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(FIELD_NAMES, field_rules(depth), min_size=1, max_size=3)


@st.composite
def policy_documents(draw: st.DrawFn) -> dict[str, Any]:
    rules = []
    for index in range(draw(st.integers(1, 4))):
        rule: dict[str, Any] = {
            "id": f"FZ{index:03d}",
            "title": "Generated rule",
            "description": "A rule built by the fuzzer.",
            "severity": draw(st.sampled_from(["error", "warning", "note"])),
            "schema": draw(field_schemas()),
        }
        if draw(st.booleans()):
            rule["when"] = draw(field_schemas())
        if draw(rarely):  # a duplicate or malformed id, or a required key left out
            mistake = draw(st.sampled_from(["FZ000", "BMC001", "9bad", "drop"]))
            if mistake == "drop":
                rule.pop(draw(st.sampled_from(sorted(rule))))
            else:
                rule["id"] = mistake
        rules.append(rule)
    return {"version": 1, "pack": "fuzz", "vars": {"limit_list": ["a", 1, None]}, "rules": rules}
