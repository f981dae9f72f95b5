"""docs/schemas/: the JSON Schemas editors use for policy, waivers and policy test files.

They are written by hand for editors (descriptions, completion), and held to the code's own
validation here: every file the code accepts validates, documents the code refuses are refused
too, and the vocabulary (Cerberus rules, custom rules, types, severities, frameworks, patterns)
is the code's.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from helpers.paths import REPO
from helpers.policies import policy_documents
from hypothesis import given, settings
from jsonschema import Draft7Validator

from checker import packs, policy_tests
from checker.cli import cli
from checker.errors import CheckerError
from checker.frameworks import FRAMEWORKS
from checker.model import Severity
from checker.parsing import decode, parse_yaml
from checker.policy import _POLICY_SCHEMA, _RULE_SCHEMA, load_policy
from checker.policy_tests import _TESTS_SCHEMA, load_test_file
from checker.vocabulary import CUSTOM_RULES, JobValidator
from checker.waivers import _WAIVERS_SCHEMA, load_waivers

SCHEMAS = REPO / "docs" / "schemas"
KINDS = ("policy", "waivers", "policy-tests")


def schema(kind: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def validator(kind: str) -> Draft7Validator:
    return Draft7Validator(schema(kind))


def read(path: Path) -> Any:
    """A YAML file as the checker reads it (timestamps as text, merge keys resolved): what an
    editor's YAML 1.2 parser sees too."""
    [document] = list(parse_yaml(decode(path.read_bytes()), strict_tags=True))
    return document.data


@pytest.mark.parametrize("kind", KINDS)
def test_each_schema_is_a_draft_7_schema_at_its_published_address(kind: str) -> None:
    document = schema(kind)
    Draft7Validator.check_schema(document)
    assert document["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert document["$id"] == f"{packs.SCHEMAS_URL}{kind}.schema.json"


# --- everything the project ships validates ---------------------------------------------------

VALID = [
    *(("policy", path) for path in sorted((REPO / "policies").glob("*.yaml"))),
    ("policy", REPO / "policies" / "templates" / "org.yaml"),
    ("waivers", REPO / "examples" / "waivers.yaml"),
    *(("policy-tests", path) for path in sorted((REPO / "policies" / "tests").glob("*.yaml"))),
    ("policy-tests", REPO / "policies" / "templates" / "org.test.yaml"),
]


@pytest.mark.parametrize(("kind", "path"), VALID, ids=[str(p.relative_to(REPO)) for _, p in VALID])
def test_shipped_files_validate(kind: str, path: Path) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in validator(kind).iter_errors(read(path))]
    assert errors == []


def test_the_docs_examples_validate(tmp_path: Path) -> None:
    page = (REPO / "docs" / "policy-tests.md").read_text(encoding="utf-8")
    policy = page.split("`policies/team.yaml`:\n\n```yaml\n", 1)[1].split("```", 1)[0]
    tests = page.split("`policies/team.test.yaml`, its tests:\n\n```yaml\n", 1)[1].split("```")[0]
    for kind, text in (("policy", policy), ("policy-tests", tests)):
        path = tmp_path / f"{kind}.yaml"
        path.write_text(text, encoding="utf-8")
        assert list(validator(kind).iter_errors(read(path))) == []


# --- what the code refuses, the schema refuses ------------------------------------------------

RULE = "  - id: ORG001\n    title: T\n    description: D\n    severity: error\n"
INVALID_POLICIES = {
    "unknown top-level key": "owner: me\nrules: []\n",
    "version 2": "version: 2\n",
    "pack with capitals": "pack: Org\n",
    "var name with a dash": "vars: {allowed-regions: [a]}\n",
    "rule without schema": "rules:\n" + RULE,
    "empty schema": "rules:\n" + RULE + "    schema: {}\n",
    "bad severity": "rules:\n" + RULE.replace("error", "critical") + "    schema: {a: {}}\n",
    "bad rule id": "rules:\n" + RULE.replace("ORG001", "9bad") + "    schema: {a: {}}\n",
    "blank title": "rules:\n" + RULE.replace("T\n", "' '\n", 1) + "    schema: {a: {}}\n",
    "title too long": "rules:\n"
    + RULE.replace("T\n", "x" * 201 + "\n", 1)
    + "    schema: {a: {}}\n",
    "unknown rule field": "rules:\n" + RULE + "    owner: me\n    schema: {a: {}}\n",
    "misspelt rule": "rules:\n" + RULE + "    schema: {roleArn: {alowed: [x]}}\n",
    "misspelt nested rule": "rules:\n"
    + RULE
    + "    schema: {vpcConfig: {type: dict, schema: {subnetIds: {minlenght: 2}}}}\n",
    "misspelt rule in when": "rules:\n" + RULE + "    when: {a: {requird: true}}\n"
    "    schema: {a: {}}\n",
    "unknown type": "rules:\n" + RULE + "    schema: {a: {type: strang}}\n",
    "callable-only rule": "rules:\n" + RULE + "    schema: {a: {check_with: x}}\n",
    "coerce": "rules:\n" + RULE + "    schema: {a: {coerce: int}}\n",
    "arn part": "rules:\n" + RULE + "    schema: {a: {arn: {colour: red}}}\n",
    "number bound": "rules:\n" + RULE + "    schema: {a: {number: {maximum: 3}}}\n",
    "unknown framework": "rules:\n" + RULE + "    controls: {nist-csf: [PR.AC-1]}\n"
    "    schema: {a: {}}\n",
    "control of the wrong form": "rules:\n" + RULE + "    controls: {nist-800-53: [sc7]}\n"
    "    schema: {a: {}}\n",
    "tags not a list": "rules:\n" + RULE + "    tags: security\n    schema: {a: {}}\n",
}
WAIVER = "  - rule: BMC004\n    jobs: [a]\n    reason: r\n    expires: 2030-01-01\n"
INVALID_WAIVERS = {
    "no waivers list": "version: 1\n",
    "version 2": "version: 2\nwaivers: []\n",
    "no reason": "waivers:\n" + WAIVER.replace("    reason: r\n", ""),
    "blank reason": "waivers:\n" + WAIVER.replace("reason: r", "reason: '  '"),
    "no expiry": "waivers:\n" + WAIVER.replace("    expires: 2030-01-01\n", ""),
    "expiry not a date": "waivers:\n" + WAIVER.replace("2030-01-01", "'28/02/2030'"),
    "jobs not a list": "waivers:\n" + WAIVER.replace("[a]", "a"),
    "no jobs, files or path": "waivers:\n" + WAIVER.replace("    jobs: [a]\n", ""),
    "empty jobs only": "waivers:\n" + WAIVER.replace("[a]", "[]"),
    "empty rule": "waivers:\n" + WAIVER.replace("BMC004", "''"),
    "unknown field": "waivers:\n" + WAIVER + "    owner: me\n",
}
CASE = "  - name: a\n    job: {jobName: x, baseModelIdentifier: m}\n    expect: {BMC001: fail}\n"
HEAD = "policies: [builtin:baseline]\n"
INVALID_TESTS = {
    "no tests": HEAD,
    "empty tests": HEAD + "tests: []\n",
    "version 2": "version: 2\n" + HEAD + "tests:\n" + CASE,
    "empty policies": "policies: []\ntests:\n" + CASE,
    "unknown test field": HEAD + "tests:\n" + CASE + "    jb: x\n",
    "no name": HEAD + "tests:\n" + CASE.replace("  - name: a\n    job", "  - job"),
    "no job": HEAD
    + "tests:\n"
    + CASE.replace("    job: {jobName: x, baseModelIdentifier: m}\n", ""),
    "no expectation": HEAD + "tests:\n" + CASE.replace("    expect: {BMC001: fail}\n", ""),
    "empty expectation": HEAD + "tests:\n" + CASE.replace("{BMC001: fail}", "{}"),
    "misspelt outcome": HEAD + "tests:\n" + CASE.replace("fail}", "fial}"),
    "field with pass": HEAD + "tests:\n" + CASE.replace("fail}", "{outcome: pass, field: a}}"),
    "empty field list": HEAD + "tests:\n" + CASE.replace("fail}", "{outcome: fail, field: []}}"),
    "unknown expectation key": HEAD
    + "tests:\n"
    + CASE.replace("fail}", "{outcome: fail, fields: a}}"),
    "others other than pass": HEAD + "tests:\n" + CASE + "    others: fail\n",
}
INVALID = [
    *(("policy", name, text) for name, text in INVALID_POLICIES.items()),
    *(("waivers", name, text) for name, text in INVALID_WAIVERS.items()),
    *(("policy-tests", name, text) for name, text in INVALID_TESTS.items()),
]


def load(kind: str, path: Path) -> None:
    """Load a file the way the checker does; raises CheckerError when the checker refuses it."""
    if kind == "policy":
        load_policy([str(path)])
    elif kind == "waivers":
        load_waivers([str(path)])
    else:
        load_test_file(path)


@pytest.mark.parametrize(
    ("kind", "name", "text"), INVALID, ids=[f"{k}: {n}" for k, n, _ in INVALID]
)
def test_documents_the_code_refuses_the_schema_refuses(
    tmp_path: Path, kind: str, name: str, text: str
) -> None:
    path = tmp_path / ("file.test.yaml" if kind == "policy-tests" else "file.yaml")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CheckerError):
        load(kind, path)
    assert not validator(kind).is_valid(read(path))


@settings(max_examples=150, deadline=None)
@given(policy_documents())
def test_every_policy_the_code_accepts_validates(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document, sort_keys=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "fuzz.yaml")
        path.write_text(text, encoding="utf-8")
        try:
            load_policy([str(path)])
        except CheckerError:
            return  # refused by the code: the schema may accept or refuse it
        errors = [
            f"{list(e.path)}: {e.message}" for e in validator("policy").iter_errors(read(path))
        ]
    assert errors == [], text


# --- the vocabulary is the code's -------------------------------------------------------------

# Cerberus rules that take a Python callable (or a method's name): a YAML policy cannot use them.
CALLABLE_ONLY = {"check_with", "coerce", "default_setter", "rename_handler"}
# Old names Cerberus 1.3 still accepts.
OLD_NAMES = {"keyschema", "valueschema"}


def _field_rules() -> dict[str, Any]:
    [_, rules] = schema("policy")["definitions"]["fieldRules"]["anyOf"]
    return rules  # type: ignore[no-any-return]


def test_field_rules_are_the_rules_the_validator_knows() -> None:
    known = set(JobValidator().rules) - CALLABLE_ONLY | OLD_NAMES
    assert set(_field_rules()["properties"]) == known
    assert set(CUSTOM_RULES) <= known
    for name in CUSTOM_RULES:
        assert _field_rules()["properties"][name]["description"]


def test_types_severities_and_frameworks_are_the_codes() -> None:
    rules = _field_rules()["properties"]
    [type_name, *_] = rules["type"]["anyOf"]
    assert type_name["enum"] == sorted(JobValidator().types)
    rule = schema("policy")["definitions"]["rule"]
    assert rule["properties"]["severity"]["enum"] == [s.value for s in Severity]
    controls = rule["properties"]["controls"]["properties"]
    assert {name: spec["items"]["pattern"] for name, spec in controls.items()} == {
        name: f"^(?:{framework.control_pattern})$" for name, framework in FRAMEWORKS.items()
    }


def _cerberus_pattern(regex: str) -> str:
    return f"^{regex}$"  # Cerberus matches a regex against the whole value


def test_keys_required_fields_and_patterns_are_the_codes() -> None:
    policy = schema("policy")
    assert set(policy["properties"]) == set(_POLICY_SCHEMA)
    assert policy["properties"]["pack"]["pattern"] == _cerberus_pattern(
        _POLICY_SCHEMA["pack"]["regex"]
    )
    assert policy["properties"]["vars"]["propertyNames"]["pattern"] == _cerberus_pattern(
        _POLICY_SCHEMA["vars"]["keysrules"]["regex"]
    )
    rule = policy["definitions"]["rule"]
    assert set(rule["properties"]) == set(_RULE_SCHEMA)
    assert set(rule["required"]) == {k for k, v in _RULE_SCHEMA.items() if v.get("required")}
    assert rule["properties"]["id"]["pattern"] == _cerberus_pattern(_RULE_SCHEMA["id"]["regex"])
    assert rule["properties"]["title"]["maxLength"] == _RULE_SCHEMA["title"]["maxlength"]

    waivers = schema("waivers")
    assert set(waivers["properties"]) == set(_WAIVERS_SCHEMA)
    inner = _WAIVERS_SCHEMA["waivers"]["schema"]["schema"]
    waiver = waivers["definitions"]["waiver"]
    assert set(waiver["properties"]) == set(inner)
    assert set(waiver["required"]) == {k for k, v in inner.items() if v.get("required")}

    tests = schema("policy-tests")
    assert set(tests["properties"]) == set(_TESTS_SCHEMA)
    case = _TESTS_SCHEMA["tests"]["schema"]["schema"]
    test = tests["definitions"]["test"]
    assert set(test["properties"]) == set(case)
    assert set(test["required"]) == {k for k, v in case.items() if v.get("required")}
    assert tests["definitions"]["outcome"]["enum"] == list(policy_tests.OUTCOMES)


# --- editors find the schemas ------------------------------------------------------------------


@pytest.mark.parametrize(("template", "kind"), [("org", "policy"), ("org.test", "policy-tests")])
def test_policy_init_names_the_schema_for_editors(template: str, kind: str) -> None:
    first = packs.template_text(template).splitlines()[0]
    assert first == f"# yaml-language-server: $schema={packs.SCHEMAS_URL}{kind}.schema.json"
    assert (SCHEMAS / f"{kind}.schema.json").is_file()


def test_policy_init_output_starts_with_the_schema_comment() -> None:
    result = CliRunner().invoke(cli, ["policy", "init"])
    assert result.stdout.startswith(
        f"# yaml-language-server: $schema={packs.SCHEMAS_URL}policy.schema.json\n"
    )


def test_the_example_waivers_name_their_schema() -> None:
    first = (REPO / "examples" / "waivers.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={packs.SCHEMAS_URL}waivers.schema.json"


def test_the_vs_code_settings_in_the_docs_name_every_schema() -> None:
    page = (REPO / "docs" / "policy-language.md").read_text(encoding="utf-8")
    settings_text = page.split("```json\n", 1)[1].split("```", 1)[0]
    settings_json = json.loads(settings_text)
    assert set(settings_json["yaml.schemas"]) == {
        f"{packs.SCHEMAS_URL}{kind}.schema.json" for kind in KINDS
    }
