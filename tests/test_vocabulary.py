"""The custom Cerberus rules of checker/vocabulary.py, each validated directly on small jobs."""

from __future__ import annotations

from typing import Any

import pytest
from cerberus import SchemaError

from checker.vocabulary import CUSTOM_RULES, UNDECIDED, JobValidator, to_number

ROLE = "arn:aws:iam::111122223333:role/service-role/BedrockFT"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OWN = {"account": "111122223333", "region": "us-east-1", "partition": "aws"}


def errors_of(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """Cerberus's error tree for one document (empty when it is valid)."""
    validator = JobValidator(schema, allow_unknown=True)
    valid = validator.validate(document)
    assert valid is (not validator.errors)
    return dict(validator.errors)


def test_every_custom_rule_is_registered() -> None:
    assert set(CUSTOM_RULES) == {
        "arn",
        "s3_in",
        "s3_disjoint_from",
        "number",
        "glob",
        "not_glob",
        "minlength_of",
        "no_placeholders",
        "hp_numeric",
        "hp_documented_names",
        "hp_documented_ranges",
        "required_keys",
    }


# --- arn ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "value", "expected"),
    [
        ({"account": "same"}, ROLE, {}),
        (
            {"account": "same"},
            "arn:aws:iam::444455556666:role/x",
            {"roleArn": ["account '444455556666' differs from the job's account '111122223333'"]},
        ),
        ({"region": "same"}, KEY, {}),
        (
            {"region": "same"},
            KEY.replace("us-east-1", "eu-west-1"),
            {"roleArn": ["region 'eu-west-1' differs from the job's region 'us-east-1'"]},
        ),
        ({"partition": "same"}, ROLE, {}),
        (
            {"partition": "same"},
            "arn:aws-cn:iam::111122223333:role/x",
            {"roleArn": ["partition 'aws-cn' differs from the job's partition 'aws'"]},
        ),
        ({"service": "iam"}, ROLE, {}),
        ({"service": "kms"}, ROLE, {"roleArn": ["service 'iam' is not one of: kms"]}),
        ({"resource": "role/*"}, ROLE, {}),
        (
            {"resource": "key/*"},
            "arn:aws:kms:us-east-1:111122223333:alias/ml",
            {"roleArn": ["resource 'alias/ml' is not one of: key/*"]},
        ),
        ({"account": ["4444*", "1111*"]}, ROLE, {}),
        (
            {"account": ["4444*", "5555*"]},
            ROLE,
            {"roleArn": ["account '111122223333' is not one of: 4444*, 5555*"]},
        ),
        ({"service": "iam"}, "not-an-arn", {"roleArn": ["'not-an-arn' is not an ARN"]}),
        ({"service": "iam"}, 42, {"roleArn": ["must be a string or a list of strings"]}),
    ],
)
def test_arn_parts(constraint: dict[str, Any], value: Any, expected: dict[str, Any]) -> None:
    errors = errors_of({"roleArn": {"arn": constraint}}, {"roleArn": value, "derived": OWN})
    assert errors == expected


def test_arn_checks_every_item_of_a_list() -> None:
    errors = errors_of(
        {"arns": {"arn": {"account": "same"}}},
        {"arns": [ROLE, "arn:aws:iam::444455556666:role/x"], "derived": OWN},
    )
    assert errors == {
        "arns": ["account '444455556666' differs from the job's account '111122223333'"]
    }


@pytest.mark.parametrize("part", ["account", "region", "partition"])
def test_arn_same_is_undecided_when_the_jobs_own_part_is_missing(part: str) -> None:
    derived = {k: v for k, v in OWN.items() if k != part}
    errors = errors_of({"roleArn": {"arn": {part: "same"}}}, {"roleArn": KEY, "derived": derived})
    assert errors == {"roleArn": [f"{UNDECIDED}the job's {part} is not known"]}


def test_arn_same_is_undecided_without_any_derived_section() -> None:
    errors = errors_of({"roleArn": {"arn": {"account": "same"}}}, {"roleArn": ROLE})
    assert errors["roleArn"][0].startswith(UNDECIDED)


@pytest.mark.parametrize(
    "constraint",
    [
        {"acount": "same"},  # a misspelt part
        "same",  # not a mapping of parts
        {"account": 111122223333},  # unquoted account id
        {"account": [111122223333]},  # unquoted account ids in a list (crashed at evaluation)
    ],
)
def test_arn_bad_arguments_are_rejected_at_schema_time(constraint: Any) -> None:
    with pytest.raises(SchemaError):
        JobValidator({"roleArn": {"arn": constraint}}, allow_unknown=True)


# --- s3_in ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "value", "expected"),
    [
        ("s3://corp-ml-*/training/*", "s3://corp-ml-eu/training/set.jsonl", {}),
        # The prefix itself, with or without its trailing slash, lies inside "prefix/*".
        ("s3://corp-ml-*/training/*", "s3://corp-ml-eu/training", {}),
        (["s3://other/*", "s3://corp-ml-*/*"], ["s3://corp-ml-a/x", "s3://other/y"], {}),
        (
            "s3://corp-ml-*/training/*",
            "s3://corp-ml-eu/output/x",
            {
                "uri": [
                    "'s3://corp-ml-eu/output/x' is outside the allowed locations: "
                    "s3://corp-ml-*/training/*"
                ]
            },
        ),
        (
            "s3://corp-ml-*/*",
            "https://corp-ml-a/x",
            {"uri": ["'https://corp-ml-a/x' is not an s3:// URI"]},
        ),
        ("s3://corp-ml-*/*", 7, {"uri": ["must be a string or a list of strings"]}),
    ],
)
def test_s3_in(constraint: Any, value: Any, expected: dict[str, Any]) -> None:
    assert errors_of({"uri": {"s3_in": constraint}}, {"uri": value}) == expected


def test_s3_in_rejects_non_string_globs() -> None:
    with pytest.raises(SchemaError):
        JobValidator({"uri": {"s3_in": [1]}}, allow_unknown=True)


# --- s3_disjoint_from -----------------------------------------------------------------------


def _data_uris(**by_role: str) -> dict[str, Any]:
    return {"dataUris": [{"role": role, "uri": uri} for role, uri in by_role.items()]}


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("s3://corp/out/", []),
        ("s3://corp/train-out/", []),  # shares a string prefix, not a folder
        ("s3://corp/", ["'s3://corp/' overlaps the training location 's3://corp/train/a.jsonl'"]),
        (
            "s3://corp/train/a.jsonl/out/",
            [
                "'s3://corp/train/a.jsonl/out/' overlaps the training location "
                "'s3://corp/train/a.jsonl'"
            ],
        ),
        (
            "s3://corp/train",
            ["'s3://corp/train' overlaps the training location 's3://corp/train/a.jsonl'"],
        ),
        ("corp/out", ["'corp/out' is not an s3:// URI"]),
    ],
)
def test_s3_disjoint_from(output: str, expected: list[str]) -> None:
    document = {"out": output, "derived": _data_uris(training="s3://corp/train/a.jsonl")}
    errors = errors_of({"out": {"s3_disjoint_from": ["training"]}}, document)
    assert errors.get("out", []) == expected


def test_s3_disjoint_from_ignores_roles_it_was_not_given() -> None:
    document = {"out": "s3://logs/", "derived": _data_uris(invocationLogs="s3://logs/bedrock/")}
    assert errors_of({"out": {"s3_disjoint_from": ["training"]}}, document) == {}
    errors = errors_of({"out": {"s3_disjoint_from": ["invocationLogs"]}}, document)
    assert errors == {
        "out": ["'s3://logs/' overlaps the invocationLogs location 's3://logs/bedrock/'"]
    }


def test_s3_disjoint_from_rejects_unknown_roles() -> None:
    with pytest.raises(SchemaError):
        JobValidator({"out": {"s3_disjoint_from": ["logs"]}}, allow_unknown=True)


# --- number ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "value", "expected"),
    [
        ({"min": 1, "max": 5}, "2", []),
        ({"min": 1, "max": 5}, 5, []),
        ({"min": 1e-7}, ".0001", []),
        ({"min": 1e-7}, "1.00E-07", []),
        ({"min": 1e-7}, "1.00E-08", ["1.00E-08 is below the minimum 1e-07"]),
        ({"max": 5}, "6", ["6 is above the maximum 5"]),
        ({"max": 5}, 5.5, ["5.5 is above the maximum 5"]),
        ({"integer": True}, "2.0", []),
        ({"integer": True}, "2.5", ["'2.5' is not a whole number"]),
        (
            {"integer": True, "max": 2},
            "2.5",
            ["'2.5' is not a whole number", "2.5 is above the maximum 2"],
        ),
        ({"max": 5, "keywords": ["Auto"]}, "Auto", []),
        ({"max": 5}, "Auto", ["'Auto' is not a number"]),
        ({"max": 5, "keywords": ["Auto"]}, "auto", ["'auto' is not a number"]),
        ({"max": 5}, True, ["true is not a number"]),
        ({"max": 5}, "nan", ["'nan' is not a number"]),
    ],
)
def test_number(constraint: dict[str, Any], value: Any, expected: list[str]) -> None:
    errors = errors_of({"n": {"number": constraint}}, {"n": value})
    assert sorted(errors.get("n", [])) == sorted(expected)


@pytest.mark.parametrize(
    "constraint",
    [{"min": "1"}, {"max": [5]}, {"integer": "yes"}, {"keywords": "Auto"}, {"maximum": 5}, 5],
)
def test_number_bad_arguments_are_rejected_at_schema_time(constraint: Any) -> None:
    with pytest.raises(SchemaError):
        JobValidator({"n": {"number": constraint}}, allow_unknown=True)


def test_to_number_reads_the_forms_seen_in_real_jobs() -> None:
    assert to_number(".0001") == pytest.approx(1e-4)
    assert to_number("1.00E-07") == pytest.approx(1e-7)
    assert to_number(" 2 ") == 2.0
    assert to_number(3) == 3.0
    assert to_number(False) is None
    assert to_number("inf") is None
    assert to_number(None) is None


# --- glob / not_glob ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "value", "expected"),
    [
        ("amazon.nova-*", "amazon.nova-lite-v1:0", []),
        (["meta.*", "amazon.nova-*"], ["amazon.nova-pro-v1:0", "meta.llama3-1-8b"], []),
        (
            "amazon.nova-*",
            "Amazon.nova-lite",
            ["'Amazon.nova-lite' matches none of: amazon.nova-*"],
        ),
        (["a?", "b*"], ["ab", "cb"], ["'cb' matches none of: a?, b*"]),
        ("x*", ["x", 3], ["must be a string or a list of strings"]),
    ],
)
def test_glob(constraint: Any, value: Any, expected: list[str]) -> None:
    assert errors_of({"v": {"glob": constraint}}, {"v": value}).get("v", []) == expected


@pytest.mark.parametrize(
    ("constraint", "value", "expected"),
    [
        (["us.*", "eu.*"], "amazon.nova-premier-v1:0", []),
        (
            ["us.*", "eu.*"],
            "eu.amazon.nova-premier-v1:0",
            ["'eu.amazon.nova-premier-v1:0' matches the forbidden pattern 'eu.*'"],
        ),
        ("us.*", ["amazon.x", "us.y"], ["'us.y' matches the forbidden pattern 'us.*'"]),
        ("us.*", {"a": 1}, ["must be a string or a list of strings"]),
    ],
)
def test_not_glob(constraint: Any, value: Any, expected: list[str]) -> None:
    assert errors_of({"v": {"not_glob": constraint}}, {"v": value}).get("v", []) == expected


@pytest.mark.parametrize(
    "rules",
    [
        {"not_glob": "us.*"},
        {"glob": "x*"},
        {"arn": {"account": "same"}},
        {"s3_in": "s3://a/*"},
        {"number": {"max": 1}},
        {"hp_numeric": True},
        {"minlength_of": "other"},
    ],
)
def test_custom_rules_skip_null_like_cerberus_rules_do(rules: dict[str, Any]) -> None:
    # BMC009 and the org template's ORG001 read derived values that are null when not known.
    assert errors_of({"v": {"nullable": True, **rules}}, {"v": None, "other": [1]}) == {}
    assert errors_of({"v": rules}, {"v": None, "other": [1]}) == {"v": ["null value not allowed"]}


@pytest.mark.parametrize("rule", ["glob", "not_glob"])
@pytest.mark.parametrize("constraint", [5, [1], {"a": "b"}])
def test_glob_bad_arguments_are_rejected_at_schema_time(rule: str, constraint: Any) -> None:
    with pytest.raises(SchemaError):
        JobValidator({"v": {rule: constraint}}, allow_unknown=True)


# --- minlength_of ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metrics", "validators", "expected"),
    [
        ([{"loss": 1}], [{"s3Uri": "s3://a/1"}], []),
        ([{"loss": 1}, {"loss": 2}], [{"s3Uri": "s3://a/1"}], []),
        (
            [{"loss": 1}],
            [{"s3Uri": "s3://a/1"}, {"s3Uri": "s3://a/2"}],
            ["has 1 entries, validationDataConfig.validators has 2"],
        ),
        ([], [{"s3Uri": "s3://a/1"}], ["has 0 entries, validationDataConfig.validators has 1"]),
        ([], None, []),  # no list at the other path: nothing is wanted
        ({"loss": 1}, [{"s3Uri": "s3://a/1"}], ["must be a list"]),
    ],
)
def test_minlength_of(metrics: Any, validators: Any, expected: list[str]) -> None:
    document: dict[str, Any] = {"validationMetrics": metrics}
    if validators is not None:
        document["validationDataConfig"] = {"validators": validators}
    schema = {"validationMetrics": {"minlength_of": "validationDataConfig.validators"}}
    assert errors_of(schema, document).get("validationMetrics", []) == expected


def test_minlength_of_rejects_a_non_path_argument() -> None:
    with pytest.raises(SchemaError):
        JobValidator({"m": {"minlength_of": 3}}, allow_unknown=True)


# --- no_placeholders ------------------------------------------------------------------------

_UNRESOLVED_SCHEMA = {
    "derived": {"type": "dict", "schema": {"unresolved": {"no_placeholders": True}}}
}


def test_no_placeholders_names_each_path_and_its_value() -> None:
    document = {
        "roleArn": "arn:aws:iam::{account_id}:role/x",
        "outputDataConfig": {"s3Uri": "s3://<YOUR_BUCKET>/out/"},
        "derived": {"unresolved": ["outputDataConfig.s3Uri", "roleArn"]},
    }
    assert errors_of(_UNRESOLVED_SCHEMA, document) == {
        "derived": [
            {
                "unresolved": [
                    {
                        "0": [
                            "outputDataConfig.s3Uri holds an unresolved placeholder: 's3://<YOUR_BUCKET>/out/'"
                        ],
                        "1": [
                            "roleArn holds an unresolved placeholder: "
                            "'arn:aws:iam::{account_id}:role/x'"
                        ],
                    }
                ]
            }
        ]
    }


def test_no_placeholders_passes_an_empty_list_and_can_be_switched_off() -> None:
    assert errors_of(_UNRESOLVED_SCHEMA, {"derived": {"unresolved": []}}) == {}
    schema = {"derived": {"schema": {"unresolved": {"no_placeholders": False}}}}
    assert errors_of(schema, {"x": "<X>", "derived": {"unresolved": ["x"]}}) == {}


def test_no_placeholders_rejects_a_non_boolean_argument() -> None:
    with pytest.raises(SchemaError):
        JobValidator({"u": {"no_placeholders": "yes"}}, allow_unknown=True)


# --- hp_numeric -----------------------------------------------------------------------------

_TITAN_LITE = {"baseModelFamily": "titan-text-lite-express"}
_TITAN_MM = {"baseModelFamily": "titan-multimodal-embeddings"}


@pytest.mark.parametrize(
    ("constraint", "params", "derived", "expected"),
    [
        (
            True,
            {"epochCount": "2", "learningRate": ".0001", "batchSize": "1.00E+00"},
            _TITAN_LITE,
            {},
        ),
        (True, {"epochCount": "two"}, _TITAN_LITE, {"epochCount": ["'two' is not a number"]}),
        (
            True,
            {"epochCount": 2},
            _TITAN_LITE,
            {"epochCount": ['2 must be written as a string ("2")']},
        ),
        (
            True,
            {"learningRate": 1e-05},
            _TITAN_LITE,
            {"learningRate": ['1e-05 must be written as a string ("1e-05")']},
        ),
        (True, {"epochCount": True}, _TITAN_LITE, {"epochCount": ["true is not a number"]}),
        # Auto is documented for Titan Multimodal Embeddings only.
        (True, {"epochCount": "Auto"}, _TITAN_MM, {}),
        (True, {"epochCount": "Auto"}, _TITAN_LITE, {"epochCount": ["'Auto' is not a number"]}),
        # Without a family, a keyword documented for the name anywhere is accepted.
        (True, {"epochCount": "Auto"}, {}, {}),
        (True, {"epochCount": "Never"}, {}, {"epochCount": ["'Never' is not a number"]}),
        # A family named by the rule: RFT values are typed, numbers are fine.
        ("rft", {"epochCount": 3, "learningRate": 1e-5}, _TITAN_LITE, {}),
        ("rft", {"epochCount": "x"}, {}, {"epochCount": ["'x' is not a number"]}),
        # reasoningEffort is a keyword, not a number: hp_documented_ranges judges its value.
        ("rft", {"reasoningEffort": "low"}, {}, {}),
        ("rft", {"reasoningEffort": "max"}, {}, {}),
    ],
)
def test_hp_numeric(
    constraint: Any, params: dict[str, Any], derived: dict[str, Any], expected: dict[str, Any]
) -> None:
    errors = errors_of({"hp": {"hp_numeric": constraint}}, {"hp": params, "derived": derived})
    assert errors == ({"hp": [expected]} if expected else {})


def test_hp_numeric_requires_a_mapping() -> None:
    errors = errors_of({"hp": {"hp_numeric": True}}, {"hp": ["2"], "derived": _TITAN_LITE})
    assert errors == {"hp": ["must be a mapping of hyperparameter names to values"]}


# --- hp_documented_names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "params", "derived", "expected"),
    [
        (True, {"epochCount": "2", "learningRateWarmupSteps": "5"}, _TITAN_LITE, {}),
        (True, {}, {}, {}),  # nothing to judge, not even undecided
        (
            True,
            {"epoch_count": "2"},
            _TITAN_LITE,
            {
                "hp": [
                    {
                        "epoch_count": [
                            "'epoch_count' is not documented for this base model "
                            "(documented: epochCount, batchSize, learningRate, "
                            "learningRateWarmupSteps)"
                        ]
                    }
                ]
            },
        ),
        (
            "nova-understanding",
            {"batchSize": "8"},
            {},
            {
                "hp": [
                    {
                        "batchSize": [
                            "'batchSize' is not documented for this base model "
                            "(documented: epochCount, learningRate, "
                            "learningRateWarmupSteps)"
                        ]
                    }
                ]
            },
        ),
        (
            True,
            {"epochCount": "2"},
            {},
            {"hp": [f"{UNDECIDED}no documented hyperparameters for this base model"]},
        ),
        (
            True,
            {"epochCount": "2"},
            {"baseModelFamily": "titan-image-generator"},
            {"hp": [f"{UNDECIDED}AWS publishes no hyperparameter table for titan-image-generator"]},
        ),
        (
            "nope",
            {"epochCount": "2"},
            _TITAN_LITE,
            {"hp": [f"{UNDECIDED}unknown hyperparameter family 'nope'"]},
        ),
    ],
)
def test_hp_documented_names(
    constraint: Any, params: dict[str, Any], derived: dict[str, Any], expected: dict[str, Any]
) -> None:
    schema = {"hp": {"hp_documented_names": constraint}}
    assert errors_of(schema, {"hp": params, "derived": derived}) == expected


# --- hp_documented_ranges -------------------------------------------------------------------

_PREMIER = {"baseModelFamily": "titan-text-premier"}


@pytest.mark.parametrize(
    ("constraint", "params", "derived", "expected"),
    [
        (True, {"epochCount": "5", "learningRate": "1.00E-07", "batchSize": "1"}, _PREMIER, {}),
        (
            True,
            {"learningRate": "1.00E-08"},
            _PREMIER,
            {"learningRate": ["1.00E-08 is below the documented minimum 1e-07"]},
        ),
        (
            True,
            {"learningRate": ".0001"},
            _PREMIER,
            {"learningRate": [".0001 is above the documented maximum 1e-05"]},
        ),
        (
            True,
            {"epochCount": "6"},
            _PREMIER,
            {"epochCount": ["6 is above the documented maximum 5"]},
        ),
        (
            True,
            {"epochCount": "0"},
            _PREMIER,
            {"epochCount": ["0 is below the documented minimum 1"]},
        ),
        (True, {"epochCount": "2.5"}, _PREMIER, {"epochCount": ["2.5 is not a whole number"]}),
        # Not numbers and undocumented names are the other rules' business.
        (True, {"epochCount": "two", "epoch_count": "99"}, _PREMIER, {}),
        (True, {"epochCount": "Auto"}, _TITAN_MM, {}),
        (
            True,
            {"epochCount": "101"},
            _TITAN_MM,
            {"epochCount": ["101 is above the documented maximum 100"]},
        ),
        (
            True,
            {"batchSize": "255"},
            _TITAN_MM,
            {"batchSize": ["255 is below the documented minimum 256"]},
        ),
        ("rft", {"epochCount": 50, "batchSize": 16, "reasoningEffort": "high"}, {}, {}),
        ("rft", {"epochCount": 51}, {}, {"epochCount": ["51 is above the documented maximum 50"]}),
        (
            "rft",
            {"learningRate": 0.01},
            {},
            {"learningRate": ["0.01 is above the documented maximum 0.001"]},
        ),
        (
            "rft",
            {"trainingSamplePerPrompt": 1},
            {},
            {"trainingSamplePerPrompt": ["1 is below the documented minimum 2"]},
        ),
        (
            "rft",
            {"reasoningEffort": "max"},
            {},
            {"reasoningEffort": ["'max' is not one of low, medium, high"]},
        ),
        ("rft", {"maxPromptLength": 100000}, {}, {}),  # typed, but no documented bounds
    ],
)
def test_hp_documented_ranges(
    constraint: Any, params: dict[str, Any], derived: dict[str, Any], expected: dict[str, Any]
) -> None:
    schema = {"hp": {"hp_documented_ranges": constraint}}
    errors = errors_of(schema, {"hp": params, "derived": derived})
    assert errors == ({"hp": [expected]} if expected else {})


def test_hp_documented_ranges_is_undecided_without_a_table() -> None:
    schema = {"hp": {"hp_documented_ranges": True}}
    document = {
        "hp": {"stepCount": "8000"},
        "derived": {"baseModelFamily": "titan-image-generator"},
    }
    assert errors_of(schema, document) == {
        "hp": [f"{UNDECIDED}AWS publishes no hyperparameter table for titan-image-generator"]
    }


@pytest.mark.parametrize("rule", ["hp_numeric", "hp_documented_names", "hp_documented_ranges"])
@pytest.mark.parametrize("constraint", [3, ["rft"], {"family": "rft"}])
def test_hp_rules_reject_bad_arguments_at_schema_time(rule: str, constraint: Any) -> None:
    with pytest.raises(SchemaError):
        JobValidator({"hp": {rule: constraint}}, allow_unknown=True)
