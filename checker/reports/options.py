"""What some formats need beyond the report itself."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

# The job fields the evidence record shows of every job (what it was trained on, and how),
# beyond the findings: the record, and the JSON report's `record` that `merge` rebuilds it from.
EVIDENCE_FIELDS = (
    "baseModelArn",
    "customizationConfig",
    "outputModelName",
    "customModelName",
    "outputModelArn",
    "outputModelKmsKeyArn",
    "hyperParameters",
    "trainingMetrics",
    "validationMetrics",
    "vpcConfig",
    "roleArn",
)


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    # SARIF: URIs are relative to the repository root. A finding with no file of its own (a live
    # job, or a file outside the repository) is anchored to its rule's policy file when that lies
    # in the repository, else to ``sarif_anchor``.
    repo_root: Path | None = None
    sarif_anchor: str = "README.md"
    sarif_category: str | None = None
    sarif_include_suppressed: bool = False
    # A framework name of checker.frameworks.FRAMEWORKS: add its per-control summary.
    framework: str | None = None
    # Text: leave out the jobs that passed (and those whose every violation is waived), keeping
    # failed, errored and unknown jobs and the summary: what a pre-commit hook should print.
    quiet: bool = False
    # When the run happened (timezone-aware); None: the time of rendering. Formats that record a
    # time (ASFF, evidence) use this one value, so one run's files agree with each other.
    generated_at: datetime.datetime | None = None
    # ASFF: the account and region of the Security Hub that receives the findings (its product
    # ARN); None: each job's own account and region.
    asff_account: str | None = None
    asff_region: str | None = None
    # ASFF: the account of a job that names none in its ARNs (guard: the event's account; when
    # publishing, the caller's).
    default_account: str | None = None
    # Publishing: the accounts whose own Security Hub the run can reach. The findings of a job
    # of any other account go to the hub of ``default_account``, as that account's findings
    # (Security Hub imports only the calling account's findings under the default product).
    hub_accounts: frozenset[str] | None = None
    # The region of a job that names none in its ARNs (a create request naming its base model by
    # id): the AWS CLI's default region, which the CLI passes on.
    default_region: str | None = None
    # Evidence: (policy source, SHA-256 of the file) for each policy of the run.
    policy_digests: tuple[tuple[str, str], ...] = ()
