"""The documentation keeps up with the code: a page for every rule, an entry for every option."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from helpers.jobs import ALL_BUILTIN
from helpers.paths import REPO

from checker import drift, packs
from checker.cli import cli
from checker.policy import load_policy
from checker.vocabulary import CUSTOM_RULES

DOCS = REPO / "docs"


def _rule_ids() -> list[str]:
    """Every built-in rule, and the rules of the organisation template."""
    template = REPO / "policies" / "templates" / "org.yaml"
    ids = [rule.id for rule in load_policy([*ALL_BUILTIN, "builtin:deep"]).rules]
    ids += re.findall(r"(?m)^  - id: (BMC\d+)$", template.read_text(encoding="utf-8"))
    return ids + [rule.id for rule in drift.RULES]


@pytest.mark.parametrize("rule_id", _rule_ids())
def test_every_rule_has_a_page_that_names_it(rule_id: str) -> None:
    page = DOCS / "rules" / f"{rule_id}.md"
    assert page.is_file(), f"{page} is missing"
    first = page.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(f"# {rule_id}: ")
    assert packs.rule_doc_url(rule_id).endswith(f"docs/rules/{rule_id}.md")


def test_every_rule_page_is_of_a_rule() -> None:
    pages = {page.stem for page in (DOCS / "rules").glob("*.md")}
    assert pages == set(_rule_ids())


@pytest.mark.parametrize("name", CUSTOM_RULES)
def test_every_custom_rule_has_a_section(name: str) -> None:
    text = (DOCS / "policy-language.md").read_text(encoding="utf-8")
    assert f"### `{name}`" in text


def _options(command: click.Command) -> list[str]:
    return [
        option
        for param in command.params
        if isinstance(param, click.Option)
        for option in param.opts
        if option.startswith("--") and option != "--help"
    ]


@pytest.mark.parametrize(
    ("command", "page"),
    [
        ("scan", "live.md"),
        ("get", "live.md"),
        ("snapshot", "live.md"),
        ("check", "deep.md"),
        ("drift", "drift.md"),
    ],
)
def test_aws_options_are_documented(command: str, page: str) -> None:
    assert isinstance(cli, click.Group)
    text = (DOCS / page).read_text(encoding="utf-8") + (REPO / "README.md").read_text(
        encoding="utf-8"
    )
    missing = [option for option in _options(cli.commands[command]) if option not in text]
    # check's own (non-AWS) options are documented in the README and reports.md.
    if command == "check":
        reports = (DOCS / "reports.md").read_text(encoding="utf-8")
        missing = [option for option in missing if option not in reports]
    assert missing == []


def test_deep_doc_policy_lists_every_api_the_deep_mode_calls() -> None:
    source = "\n".join(
        path.read_text(encoding="utf-8") for path in (REPO / "checker" / "enrich").glob("*.py")
    )
    called = set(re.findall(r'"(kms|iam|s3|s3control|ec2|bedrock)",\s*[\w.]+,\s*"(\w+)"', source))
    assert called, "no API call found in checker/enrich/: the pattern is stale"
    text = (DOCS / "deep.md").read_text(encoding="utf-8")
    for _service, operation in called:
        assert operation in text, f"{operation} is not in docs/deep.md"


def test_the_deep_docs_example_policy_is_valid(tmp_path: Path) -> None:
    # docs/deep.md builds one policy file from a head block and one block per rule.
    blocks = re.findall(r"```yaml\n(.*?)```", (DOCS / "deep.md").read_text(encoding="utf-8"), re.S)
    head = [b for b in blocks if "pack: deep-org" in b]
    rules = [b for b in blocks if b.startswith("  - id: ORG3")]
    assert len(head) == 1 and len(rules) == 4
    policy_file = tmp_path / "deep-org.yaml"
    policy_file.write_text(head[0] + "".join(rules), encoding="utf-8")
    policy = load_policy([str(policy_file)])
    assert [rule.id for rule in policy.rules] == [f"ORG30{n}" for n in range(1, 5)]


def test_docs_do_not_link_to_missing_files() -> None:
    broken = []
    for page in [*DOCS.rglob("*.md"), REPO / "README.md"]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
    assert broken == []


def test_readme_names_every_command() -> None:
    assert isinstance(cli, click.Group)
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert [name for name in cli.commands if f"bedrock-checker {name}" not in text] == []


def test_readme_rule_table_lists_every_builtin_rule() -> None:
    from checker.drift import RULES as DRIFT_RULES
    from checker.packs import builtin_names
    from checker.policy import load_policy

    text = (REPO / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| (BMC\d{3}) \|", text, re.M))
    rules = load_policy([f"builtin:{name}" for name in builtin_names()]).rules
    assert {rule.id for rule in [*rules, *DRIFT_RULES]} - listed == set()
