"""checker/policy.py: loading, validating and compiling policy files, and the policy commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers.jobs import ALL_BUILTIN, GOOD_JOB, make_document, make_job, rule_ids

from checker import packs
from checker.cli import cli
from checker.errors import CheckerError
from checker.evaluate import evaluate
from checker.model import Severity
from checker.policy import Policy, load_policy

BASELINE_IDS = [f"BMC{n:03d}" for n in range(1, 12)]
PROMOTION_IDS = [f"BMC{n:03d}" for n in range(101, 106)]
DRIFT_IDS = [f"BMC{n}" for n in range(401, 410)]  # the drift command's rules, no pack's
BUILTIN_IDS = [
    *BASELINE_IDS,
    *PROMOTION_IDS,
    *(f"BMC{n:03d}" for n in range(201, 205)),
    *(f"BMC{n:03d}" for n in (*range(301, 310), *range(311, 319))),
]
ORG_IDS = [*(f"ORG{n:03d}" for n in range(1, 8)), "BMC310"]


def rule_yaml(
    rule_id: str = "ORG001", schema: str = "jobName: {type: string}", **fields: str
) -> str:
    """One rule entry (starting with '  - id:'); ``fields`` replace or add keys."""
    entries = {"title": "A title", "description": "A description", "severity": "error", **fields}
    body = "".join(f"    {key}: {value}\n" for key, value in entries.items() if value is not None)
    return f"  - id: {rule_id}\n{body}    schema:\n      {schema}\n"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so policy files are named by short relative paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text, encoding="utf-8")
    return name


def load_error(*specs: str) -> str:
    with pytest.raises(CheckerError) as caught:
        load_policy(specs)
    return str(caught.value)


# --- built-in packs ---------------------------------------------------------------------------


def test_builtin_packs_load_from_any_working_directory(in_tmp: Path) -> None:
    every = (*ALL_BUILTIN, "builtin:deep")
    policy = load_policy(every)
    assert [rule.id for rule in policy.rules] == BUILTIN_IDS
    assert policy.sources == every
    bmc001 = policy.rules[0]
    assert (bmc001.pack, bmc001.severity) == ("baseline", Severity.ERROR)
    assert (bmc001.origin.path, bmc001.origin.line) == ("builtin:baseline", 12)
    assert {rule.pack for rule in policy.rules} == {"baseline", "promotion", "cost", "deep"}


def test_default_policy_is_the_baseline_pack(in_tmp: Path) -> None:
    assert [rule.id for rule in load_policy().rules] == BASELINE_IDS


def test_unknown_builtin_pack_names_the_known_ones() -> None:
    message = load_error("builtin:nope")
    assert message.startswith("builtin:nope: no such built-in policy pack (known: ")
    assert "builtin:baseline" in message and "builtin:cost" in message


def test_missing_policy_file(in_tmp: Path) -> None:
    assert load_error("missing.yaml").startswith("missing.yaml: cannot read policy: ")


# --- the organisation template ------------------------------------------------------------------


def test_org_template_validates_and_its_rules_fire(in_tmp: Path) -> None:
    org = write(in_tmp, "org.yaml", packs.template_text("org"))
    policy = load_policy([org])
    assert [rule.id for rule in policy.rules] == ORG_IDS
    assert {rule.pack for rule in policy.rules} == {"org"}
    # Only the org file: a compliant job (data in the example buckets) passes every ORG rule.
    compliant = make_job(
        trainingDataConfig={"s3Uri": "s3://example-ml-training-eu/ft/train.jsonl"},
        validationDataConfig={"validators": [{"s3Uri": "s3://example-ml-training-eu/ft/v.jsonl"}]},
        outputDataConfig={"s3Uri": "s3://example-ml-output-eu/jobs/"},
    )
    assert rule_ids(compliant, (org,)) == set()
    # GOOD_JOB keeps its data in corp-* buckets, outside allowed_data_locations.
    assert rule_ids(make_job(), ("builtin:baseline", org)) == {"ORG002"}
    rogue = make_job(
        roleArn="arn:aws:iam::444455556666:role/BedrockFT",
        outputModelKmsKeyArn="arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        vpcConfig={"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["default"]},
        baseModelArn="arn:aws:bedrock:us-east-1::foundation-model/cohere.command-text-v14:7:4k",
        customizationType="DISTILLATION",
        customizationConfig={
            "distillationConfig": {
                "teacherModelConfig": {"teacherModelIdentifier": "meta.llama3-1-405b-instruct-v1:0"}
            }
        },
    )
    assert rule_ids(rogue, (org,)) == {"ORG001", "ORG002", "ORG003", "ORG004", "ORG005", "ORG006"}
    rft = make_job(customizationType="REINFORCEMENT_FINE_TUNING")
    assert "ORG007" in rule_ids(rft, (org,))
    # BMC310: a Get response carries no tags, so it cannot decide; tags from a request (or
    # fetched by --deep) are judged.
    assert "BMC310" in rule_ids(compliant, (org,), status="unknown")
    required = {"owner": "ml", "cost-center": "42", "data-classification": "internal"}
    assert rule_ids(make_job(tags=required), (org,), status="unknown") == set()
    assert "BMC310" not in rule_ids(make_job(tags=required), (org,))
    assert "BMC310" in rule_ids(make_job(tags={**required, "owner": " "}), (org,))
    assert "BMC310" in rule_ids(make_job(tags={"owner": "ml"}), (org,))


def test_org_template_allow_lists_reach_the_rules(in_tmp: Path) -> None:
    org = write(in_tmp, "org.yaml", packs.template_text("org"))
    policy = load_policy(["builtin:cost", org])
    rules = {rule.id: rule for rule in policy.rules}
    assert rules["ORG001"].schema["roleArn"]["arn"] == {"account": ["111122223333"]}
    assert rules["ORG007"].schema["derived"]["schema"]["customizationType"] == {
        "allowed": ["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"]
    }
    assert policy.vars["max_epoch_count"] == 5


# --- vars -------------------------------------------------------------------------------------


def test_vars_are_shared_across_files_and_later_files_win(in_tmp: Path) -> None:
    first = write(
        in_tmp,
        "first.yaml",
        "vars:\n  allowed_names: [alpha-*]\n"
        "rules:\n" + rule_yaml("ORG001", "jobName: {glob: $allowed_names}"),
    )
    second = write(
        in_tmp,
        "second.yaml",
        "vars:\n  allowed_names: [beta-*]\n  own_var: [x]\n"
        "rules:\n" + rule_yaml("ORG002", "jobName: {glob: $allowed_names}"),
    )
    policy = load_policy([first, second])
    assert policy.vars["allowed_names"] == ["beta-*"]
    assert [rule.schema["jobName"]["glob"] for rule in policy.rules] == [["beta-*"], ["beta-*"]]
    assert rule_ids(make_job(jobName="alpha-1"), (first, second)) == {"ORG001", "ORG002"}
    assert rule_ids(make_job(jobName="beta-1"), (first, second)) == set()
    # In the other order the first file's value wins, for both files' rules.
    assert rule_ids(make_job(jobName="alpha-1"), (second, first)) == set()


def test_builtin_vars_are_defaults_even_when_their_pack_is_not_loaded(in_tmp: Path) -> None:
    uses = write(
        in_tmp,
        "uses.yaml",
        "rules:\n" + rule_yaml("ORG001", "jobName: {not_glob: $cross_region_profile_prefixes}"),
    )
    policy = load_policy([uses])
    assert policy.rules[0].schema == {
        "jobName": {"not_glob": ["us.*", "eu.*", "apac.*", "global.*"]}
    }
    assert policy.vars["max_epoch_count"] == 5


def test_user_vars_override_builtin_vars_whatever_the_order(in_tmp: Path) -> None:
    org = write(in_tmp, "org.yaml", "vars:\n  max_epoch_count: 10\n")
    job = make_job(**{"hyperParameters.epochCount": "8"})
    assert rule_ids(job, ("builtin:cost",)) == {"BMC204"}
    assert rule_ids(job, ("builtin:cost", org)) == set()
    assert rule_ids(job, (org, "builtin:cost")) == set()


def test_double_dollar_is_a_literal_dollar(in_tmp: Path) -> None:
    literal = write(
        in_tmp,
        "literal.yaml",
        "rules:\n" + rule_yaml("ORG001", "jobName: {allowed: [$$price, $$$x]}"),
    )
    [rule] = load_policy([literal]).rules
    assert rule.schema == {"jobName": {"allowed": ["$price", "$$x"]}}
    assert rule_ids(make_job(jobName="$price"), (literal,)) == set()
    assert rule_ids(make_job(jobName="price"), (literal,)) == {"ORG001"}


def test_a_dollar_inside_a_string_is_not_a_var(in_tmp: Path) -> None:
    text = write(
        in_tmp,
        "text.yaml",
        "rules:\n" + rule_yaml("ORG001", "jobName: {allowed: ['cost $5', '$ x']}"),
    )
    assert load_policy([text]).rules[0].schema == {"jobName": {"allowed": ["cost $5", "$ x"]}}


# --- policy errors: each names the file, the line and the rule --------------------------------


def test_unknown_cerberus_rule(in_tmp: Path) -> None:
    name = write(
        in_tmp, "org.yaml", "version: 1\nrules:\n" + rule_yaml("ORG003", "roleArn: {alowed: [x]}")
    )
    assert load_error(name) == "org.yaml:8: rule ORG003: schema.roleArn.alowed: unknown rule"


def test_unknown_rule_in_when(in_tmp: Path) -> None:
    name = write(
        in_tmp,
        "org.yaml",
        "rules:\n" + rule_yaml("ORG001", when="\n      jobName: {requird: true}"),
    )
    assert load_error(name) == "org.yaml:7: rule ORG001: when.jobName.requird: unknown rule"


def test_bad_custom_rule_argument(in_tmp: Path) -> None:
    name = write(
        in_tmp, "org.yaml", "rules:\n" + rule_yaml("ORG001", "roleArn: {arn: {acount: same}}")
    )
    assert (
        load_error(name)
        == "org.yaml:7: rule ORG001: schema.roleArn.arn.acount: unallowed value acount"
    )


def test_unquoted_account_ids_are_a_policy_error_not_a_crash(in_tmp: Path) -> None:
    name = write(
        in_tmp,
        "org.yaml",
        "vars:\n  accounts: [111122223333]\n"
        "rules:\n" + rule_yaml("ORG001", "roleArn: {arn: {account: $accounts}}"),
    )
    message = load_error(name)
    assert message.startswith("org.yaml:9: rule ORG001: schema.roleArn.arn.account")
    assert message.endswith("must be of string type")


def test_a_logical_rule_over_something_else_than_schemas(in_tmp: Path) -> None:
    name = write(in_tmp, "org.yaml", "rules:\n" + rule_yaml("ORG001", "jobName: {anyof: [x]}"))
    assert load_error(name) == (
        "org.yaml:6: rule ORG001: schema: invalid schema: 'x' is not a document, must be a dict"
    )


def test_bad_regex(in_tmp: Path) -> None:
    name = write(
        in_tmp,
        "org.yaml",
        "rules:\n" + rule_yaml("ORG001", "jobName:\n        type: string\n        regex: '[a-'"),
    )
    assert load_error(name) == (
        "org.yaml:9: rule ORG001: schema.jobName.regex: bad regex '[a-': "
        "unterminated character set at position 0"
    )


def test_duplicate_rule_id_within_a_file(in_tmp: Path) -> None:
    name = write(in_tmp, "org.yaml", "rules:\n" + rule_yaml("ORG001") + rule_yaml("ORG001"))
    assert load_error(name) == (
        "org.yaml:8: rule ORG001: duplicate rule id (first defined at org.yaml:2)"
    )


def test_duplicate_rule_id_across_files(in_tmp: Path) -> None:
    name = write(in_tmp, "mine.yaml", "version: 1\nrules:\n" + rule_yaml("BMC001"))
    assert load_error("builtin:baseline", name) == (
        "mine.yaml:3: rule BMC001: duplicate rule id (first defined at builtin:baseline:12)"
    )
    first = write(in_tmp, "a.yaml", "rules:\n" + rule_yaml("ORG009"))
    second = write(in_tmp, "b.yaml", "\n\nrules:\n" + rule_yaml("ORG009"))
    assert load_error(first, second) == (
        "b.yaml:4: rule ORG009: duplicate rule id (first defined at a.yaml:2)"
    )


def test_the_same_file_given_twice_is_loaded_once(in_tmp: Path) -> None:
    name = write(in_tmp, "org.yaml", "rules:\n" + rule_yaml("ORG001"))
    assert [rule.id for rule in load_policy([name, name]).rules] == ["ORG001"]


@pytest.mark.parametrize("missing", ["title", "description", "severity"])
def test_missing_required_field(in_tmp: Path, missing: str) -> None:
    name = write(
        in_tmp, "org.yaml", "version: 1\nrules:\n" + rule_yaml("ORG001", **{missing: None})
    )
    assert load_error(name) == f"org.yaml:3: rule ORG001: {missing}: required field"


def test_missing_schema(in_tmp: Path) -> None:
    name = write(
        in_tmp,
        "org.yaml",
        "rules:\n  - id: ORG001\n    title: t\n    description: d\n    severity: error\n",
    )
    assert load_error(name) == "org.yaml:2: rule ORG001: schema: required field"


def test_missing_id_names_the_rule_by_position(in_tmp: Path) -> None:
    name = write(
        in_tmp,
        "org.yaml",
        "rules:\n" + rule_yaml() + rule_yaml().replace("  - id: ORG001\n    title", "  - title"),
    )
    assert load_error(name) == "org.yaml:8: rule #2: id: required field"


def test_bad_severity(in_tmp: Path) -> None:
    name = write(in_tmp, "org.yaml", "rules:\n" + rule_yaml("ORG001", severity="critical"))
    assert load_error(name) == (
        "org.yaml:5: rule ORG001: severity: unallowed value critical "
        "(allowed: error, warning, note)"
    )


def test_unknown_top_level_key(in_tmp: Path) -> None:
    name = write(in_tmp, "org.yaml", "version: 1\nrulez:\n" + rule_yaml())
    assert load_error(name) == "org.yaml:2: rulez: unknown field"


def test_unsupported_version(in_tmp: Path) -> None:
    name = write(in_tmp, "org.yaml", "version: 2\nrules:\n" + rule_yaml())
    assert load_error(name) == "org.yaml:1: version: unallowed value 2 (allowed: 1)"


def test_unknown_var(in_tmp: Path) -> None:
    name = write(in_tmp, "org.yaml", "rules:\n" + rule_yaml("ORG004", "jobName: {glob: $nope}"))
    message = load_error(name)
    assert message.startswith("org.yaml:7: rule ORG004: schema.jobName.glob: unknown var '$nope' ")
    assert "cross_region_profile_prefixes" in message and "max_epoch_count" in message


def test_python_tag_is_refused(in_tmp: Path) -> None:
    marker = in_tmp / "executed"
    name = write(
        in_tmp,
        "org.yaml",
        "rules:\n  - id: ORG001\n"
        f"    title: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path "
        f"['{marker}']]\n"
        "    description: d\n    severity: error\n    schema: {jobName: {type: string}}\n",
    )
    message = load_error(name)
    assert message.startswith("org.yaml:3: invalid YAML: unsupported YAML tag ")
    assert "python/object/apply" in message
    assert not marker.exists()


def test_local_tags_are_refused_in_policies(in_tmp: Path) -> None:
    name = write(in_tmp, "org.yaml", "rules:\n" + rule_yaml("ORG001", "jobName: !Ref Name"))
    assert load_error(name).startswith("org.yaml:7: invalid YAML: unsupported YAML tag ")


def test_malformed_yaml_names_its_line(in_tmp: Path) -> None:
    name = write(
        in_tmp,
        "org.yaml",
        "version: 1\nrules:\n  - id: ORG001\n    title: [open\n    severity: error\n",
    )
    assert load_error(name) == (
        "org.yaml:5: invalid YAML: did not find expected ',' or ']' (line 5, column 13)"
    )


@pytest.mark.parametrize("text", ["- rules: []\n", "just text\n", "a: 1\n---\nb: 2\n", ""])
def test_a_policy_must_be_one_mapping(in_tmp: Path, text: str) -> None:
    name = write(in_tmp, "org.yaml", text)
    assert load_error(name) == "org.yaml: a policy file must be one YAML mapping"


# --- rule selection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("select", "skip", "expected"),
    [
        (["BMC00*"], [], BUILTIN_IDS[:9]),
        (["BMC1*", "BMC204"], [], [*PROMOTION_IDS, "BMC204"]),
        ([], ["BMC2*", "BMC1*"], BASELINE_IDS),
        (["BMC20?"], ["BMC203"], ["BMC201", "BMC202", "BMC204"]),
        (["bmc001"], [], None),  # ids are case-sensitive: nothing matches
    ],
)
def test_rule_selection_by_glob(
    select: list[str], skip: list[str], expected: list[str] | None
) -> None:
    if expected is None:
        message = r"^rule selector 'bmc001' matches no loaded rule \(rule ids are case-sensitive"
        with pytest.raises(CheckerError, match=message):
            load_policy(ALL_BUILTIN, select=select, skip=skip)
        return
    policy = load_policy(ALL_BUILTIN, select=select, skip=skip)
    assert [rule.id for rule in policy.rules] == expected


def test_a_skip_selector_matching_nothing_is_an_error() -> None:
    with pytest.raises(CheckerError, match=r"^rule selector 'BMC9\*' matches no loaded rule$"):
        load_policy(ALL_BUILTIN, skip=["BMC9*"])


# --- CLI: policy validate / init, rules, check ------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_policy_validate_ok(in_tmp: Path) -> None:
    org = write(in_tmp, "org.yaml", packs.template_text("org"))
    result = run("policy", "validate", org, "builtin:cost")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["org.yaml: ok (8 rules)", "builtin:cost: ok (4 rules)"]
    assert result.stderr == ""


def test_cli_policy_validate_error_is_one_line_exit_2(in_tmp: Path) -> None:
    good = write(in_tmp, "good.yaml", "rules:\n" + rule_yaml())
    bad = write(in_tmp, "bad.yaml", "rules:\n" + rule_yaml("ORG003", "roleArn: {alowed: [x]}"))
    result = run("policy", "validate", good, bad)
    assert result.exit_code == 2
    assert result.stdout == "good.yaml: ok (1 rule)\n"
    assert result.stderr == (
        "bedrock-checker: error: bad.yaml:7: rule ORG003: schema.roleArn.alowed: unknown rule\n"
    )


def test_cli_policy_init_output_parses_and_validates(in_tmp: Path) -> None:
    result = run("policy", "init")
    assert result.exit_code == 0
    parsed = yaml.safe_load(result.stdout)
    assert parsed["pack"] == "org"
    assert [rule["id"] for rule in parsed["rules"]] == ORG_IDS
    assert set(parsed["vars"]) >= {"allowed_accounts", "allowed_regions", "max_epoch_count"}
    org = write(in_tmp, "org.yaml", result.stdout)
    assert run("policy", "validate", org).stdout == "org.yaml: ok (8 rules)\n"


def test_cli_rules_lists_every_builtin_rule(in_tmp: Path) -> None:
    result = run("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [*BUILTIN_IDS, *DRIFT_IDS]
    assert lines[0].split()[:3] == ["BMC001", "error", "baseline"]
    assert lines[-1].split()[:3] == ["BMC409", "error", "drift"]


def test_cli_rules_json(in_tmp: Path) -> None:
    result = run("rules", "--format", "json")
    assert result.exit_code == 0
    catalogue = json.loads(result.stdout)
    assert [rule["id"] for rule in catalogue] == [*BUILTIN_IDS, *DRIFT_IDS]
    by_id = {rule["id"]: rule for rule in catalogue}
    assert by_id["BMC009"]["severity"] == "note"
    assert by_id["BMC103"]["pack"] == "promotion"
    assert by_id["BMC001"]["title"] == "Run the job in a VPC"


def test_cli_rules_of_a_policy_file(in_tmp: Path) -> None:
    org = write(in_tmp, "org.yaml", packs.template_text("org"))
    result = run("rules", "--policy", org, "--format", "json")
    assert [rule["id"] for rule in json.loads(result.stdout)] == sorted(ORG_IDS)


@pytest.fixture
def warning_job(in_tmp: Path) -> str:
    """A job whose only baseline finding is BMC002, a warning."""
    document = make_document(vpcConfig__subnetIds=["subnet-a"])
    return write(in_tmp, "warning.json", json.dumps(document, indent=2))


@pytest.fixture
def note_job(in_tmp: Path) -> str:
    """A job whose only baseline finding is BMC009, a note."""
    document = make_document(
        customizationType="DISTILLATION",
        customizationConfig={
            "distillationConfig": {
                "teacherModelConfig": {"teacherModelIdentifier": "eu.amazon.nova-pro-v1:0"}
            }
        },
    )
    return write(in_tmp, "note.json", json.dumps(document, indent=2))


@pytest.mark.parametrize(
    ("fail_on", "warning_exit", "note_exit"),
    [("error", 0, 0), ("warning", 1, 0), ("note", 1, 1), ("never", 0, 0)],
)
def test_cli_check_fail_on(
    warning_job: str, note_job: str, fail_on: str, warning_exit: int, note_exit: int
) -> None:
    warning = run("check", warning_job, "--fail-on", fail_on, "--format", "json")
    note = run("check", note_job, "--fail-on", fail_on, "--format", "json")
    assert (warning.exit_code, note.exit_code) == (warning_exit, note_exit)
    findings = [f for job in json.loads(warning.stdout)["jobs"] for f in job["findings"]]
    assert [(f["ruleId"], f["severity"]) for f in findings] == [("BMC002", "warning")]
    findings = [f for job in json.loads(note.stdout)["jobs"] for f in job["findings"]]
    assert [(f["ruleId"], f["severity"]) for f in findings] == [("BMC009", "note")]


def test_cli_check_error_finding_exits_1_unless_never(in_tmp: Path) -> None:
    job = write(in_tmp, "job.json", json.dumps(make_document(vpcConfig=None)))
    assert run("check", job).exit_code == 1
    assert run("check", job, "--fail-on", "never").exit_code == 0


def test_cli_check_rule_and_skip_rule(in_tmp: Path) -> None:
    document = make_document(vpcConfig__subnetIds=["subnet-a"], outputModelKmsKeyArn="alias/ml")
    job = write(in_tmp, "job.json", json.dumps(document))

    def fired(*options: str) -> list[str]:
        result = run("check", job, "--format", "json", "--fail-on", "never", *options)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        return sorted(f["ruleId"] for j in report["jobs"] for f in j["findings"])

    assert fired() == ["BMC002", "BMC004"]
    assert fired("--rule", "BMC002") == ["BMC002"]
    assert fired("--skip-rule", "BMC00[24]") == []
    assert fired("--rule", "BMC00*", "--skip-rule", "BMC004") == ["BMC002"]


def test_cli_check_selector_matching_nothing_exits_2(in_tmp: Path) -> None:
    job = write(in_tmp, "job.json", json.dumps(GOOD_JOB))
    result = run("check", job, "--rule", "ORG*")
    assert result.exit_code == 2
    assert result.stderr == (
        "bedrock-checker: error: rule selector 'ORG*' matches no loaded rule\n"
    )
    assert result.stdout == ""


def test_cli_check_with_a_broken_policy_exits_2(in_tmp: Path) -> None:
    job = write(in_tmp, "job.json", json.dumps(GOOD_JOB))
    bad = write(in_tmp, "bad.yaml", "rules:\n" + rule_yaml("ORG001", severity="fatal"))
    result = run("check", job, "--policy", bad)
    assert result.exit_code == 2
    assert result.stderr == (
        "bedrock-checker: error: bad.yaml:5: rule ORG001: severity: unallowed value fatal "
        "(allowed: error, warning, note)\n"
    )


@pytest.mark.parametrize("name", packs.builtin_names())
def test_builtin_packs_pass_full_validation(name: str) -> None:
    # builtin:NAME skips Cerberus's schema check at start-up; the same file loaded by its path
    # gets every check a user's policy gets, so a broken built-in pack fails here.
    by_path = load_policy([str(packs.builtin_path(name))])
    by_name = load_policy([f"builtin:{name}"])
    assert [(r.id, r.schema, r.when) for r in by_path.rules] == [
        (r.id, r.schema, r.when) for r in by_name.rules
    ]
    assert len(by_path.rules) >= 4
    # The schemas the validators hold, after Cerberus's expansion of its shorthand rules.
    assert [dict(c.validator.schema) for c in by_path.compiled] == [
        dict(c.validator.schema) for c in by_name.compiled
    ]
    assert [c.when and dict(c.when.schema) for c in by_path.compiled] == [
        c.when and dict(c.when.schema) for c in by_name.compiled
    ]


def test_builtin_and_user_validators_give_the_same_verdicts() -> None:
    job = make_job(vpcConfig={"subnetIds": ["subnet-a"], "securityGroupIds": []})
    by_path = load_policy([str(packs.builtin_path("baseline"))])
    by_name = load_policy(["builtin:baseline"])

    def verdicts(policy: Policy) -> list[tuple[str, str]]:
        [result] = evaluate([job], policy)
        return [(f.rule.id, f.message) for f in result.findings]

    assert (
        verdicts(by_path)
        == verdicts(by_name)
        == [
            ("BMC001", "vpcConfig.securityGroupIds: min length is 1"),
            ("BMC002", "vpcConfig.subnetIds: min length is 2"),
        ]
    )


@pytest.mark.parametrize(
    ("evaluation", "reads"),
    [
        # Each branch of a logical rule is read as the field's own rules are.
        (
            "{type: dict, anyof: [{schema: {completedJobs: {type: list, minlength: 1}}}]}",
            {"resources.evaluation#type", "resources.evaluation.completedJobs#skeleton"},
        ),
        (
            "{type: dict, oneof_schema: [{a: {allowed: [x]}}, {b: {type: string}}]}",
            {
                "resources.evaluation#type",
                "resources.evaluation.a",
                "resources.evaluation.b#skeleton",
            },
        ),
        # A branch on the field's own value reads all of it.
        (
            "{type: dict, noneof: [{maxlength: 0}, {allowed: [{}]}]}",
            {
                "resources.evaluation#type",
                "resources.evaluation#skeleton",
                "resources.evaluation",
            },
        ),
    ],
)
def test_the_fields_read_include_every_branch_of_a_logical_rule(
    tmp_path: Path, evaluation: str, reads: set[str]
) -> None:
    path = tmp_path / "logical.yaml"
    path.write_text(
        "rules:\n"
        "  - id: ORG900\n"
        "    title: Evaluated\n"
        "    severity: warning\n"
        "    description: The model was evaluated.\n"
        "    schema:\n"
        f"      resources: {{type: dict, schema: {{evaluation: {evaluation}}}}}\n",
        encoding="utf-8",
    )
    [compiled] = load_policy([str(path)]).compiled
    assert compiled.reads is not None
    assert set(compiled.reads) == {"resources#type", *reads}
