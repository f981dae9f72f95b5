"""The drift rules (docs/rules/BMC401.md ... BMC409.md): what ``bedrock-checker drift`` reports.

They are ordinary rules, so that every report format, count, waiver and baseline handles drift
findings as it handles any other; no schema of theirs is evaluated: checker/drift/ finds them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Any

from checker import normalize
from checker.errors import CheckerError
from checker.model import Job, Rule, Severity
from checker.packs import rule_doc_url

PACK = "drift"
MODE = "drift"  # Report.mode: SARIF files drift alerts under a category of their own

_CONFIGURATION = {"nist-800-53": ("CM-2", "CM-3", "CM-6"), "iso-27001": ("A.8.9", "A.8.32")}
_INVENTORY = {"nist-800-53": ("CM-8", "CM-3"), "iso-27001": ("A.5.9", "A.8.9")}


def _rule(rule_id: str, title: str, description: str, remediation: str, **extra: Any) -> Rule:
    return Rule(
        id=rule_id,
        title=title,
        description=description,
        severity=Severity.ERROR,
        schema={},
        pack=PACK,
        remediation=remediation,
        tags=("security", "drift"),
        help_uri=rule_doc_url(rule_id),
        controls=extra.get("controls", _CONFIGURATION),
    )


_SAME_SPEC = (
    "Launch jobs only from the committed document, or commit the document the job was "
    "launched from."
)
RULES: tuple[Rule, ...] = (
    _rule(
        "BMC401",
        "Run with the service role the committed document names",
        "The job running in AWS uses another IAM service role (roleArn) than the committed "
        "document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC402",
        "Encrypt with the KMS key the committed document names",
        "The job running in AWS encrypts the custom model with another KMS key (or none) than "
        "the committed document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC403",
        "Run in the VPC the committed document names",
        "The job running in AWS uses other subnets or security groups (or no VPC) than the "
        "committed document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC404",
        "Use the data locations the committed document names",
        "The job running in AWS reads training, validation or invocation-log data from, or "
        "writes output to, other S3 locations than the committed document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC405",
        "Use the hyperparameters the committed document sets",
        "A hyperparameter the committed document sets has another value in the job running "
        "in AWS, or is missing there.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC406",
        "Customize the base and teacher models the committed document names",
        "The job running in AWS customizes another base model, or distils from another "
        "teacher model, than the committed document names.",
        _SAME_SPEC,
    ),
    _rule(
        "BMC407",
        "Carry the tags the committed document gives the job",
        "The job running in AWS carries other tags than the committed document gives it "
        "(jobTags): a tag added, removed or changed since.",
        "Tag the job as the document does (aws bedrock tag-resource / untag-resource), or "
        "commit the tags it has.",
    ),
    _rule(
        "BMC408",
        "Launch the job the committed document describes",
        "No job of the committed document's name exists in its account and region: it was "
        "never launched, or launched under another name or in another region.",
        "Launch the job from the document, or remove the document if the job is not wanted.",
    ),
    _rule(
        "BMC409",
        "Describe every live job in a committed document",
        "A job runs in AWS that no committed document describes (reported with --unmanaged): "
        "launched from a console, a notebook or a script, outside review.",
        "Commit the job's document (bedrock-checker snapshot writes one), or waive the job "
        "by name if it is launched by a pipeline that names it at run time.",
        controls=_INVENTORY,
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}
UNMANAGED = "BMC409"
MISSING = "BMC408"


def select_rules(
    select: Sequence[str], skip: Sequence[str], *, unmanaged: bool
) -> tuple[Rule, ...]:
    """The drift rules of this run: --rule/--skip-rule globs, and BMC409 only with --unmanaged."""
    rules = [rule for rule in RULES if unmanaged or rule.id != UNMANAGED]
    for pattern in (*select, *skip):
        if not any(fnmatch.fnmatchcase(rule.id, pattern) for rule in rules):
            raise CheckerError(
                f"rule selector '{pattern}' matches no drift rule "
                f"({', '.join(rule.id for rule in rules)})"
            )
    return tuple(
        rule
        for rule in rules
        if (not select or any(fnmatch.fnmatchcase(rule.id, p) for p in select))
        and not any(fnmatch.fnmatchcase(rule.id, p) for p in skip)
    )


def applies(rule_id: str, job: Job) -> bool:
    """Terraform's ``tags`` tag the custom model, not the job: BMC407 does not apply."""
    if rule_id == UNMANAGED:
        return False
    return not (rule_id == "BMC407" and job.kind in (normalize.TERRAFORM, normalize.TERRAFORM_PLAN))
