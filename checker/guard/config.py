"""Guard's configuration: the Lambda function's environment variables (docs/guard.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from checker.errors import CheckerError

DEFAULT_POLICIES = ("builtin:baseline",)
STOP_CHOICES = ("off", "error")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")

# Every variable guard reads, with its meaning: docs/guard.md shows the same table.
VARIABLES = {
    "POLICIES": "policy files bundled in the deployment and builtin: packs, separated by commas "
    "or spaces (default builtin:baseline)",
    "WAIVERS": "waiver files bundled in the deployment, separated by commas or spaces",
    "DEEP": "true: also read the job's KMS key, role, buckets, subnets and security groups, "
    "and evaluate builtin:deep (default false)",
    "STOP_ON": "error: stop a running job with unwaived error-level findings; off: log what "
    "would be stopped (default off)",
    "SNS_TOPIC_ARN": "publish failed and unreadable jobs to this SNS topic (default: none)",
    "SECURITY_HUB": "true: import findings into AWS Security Hub as ASFF (default false)",
}


@dataclass(frozen=True)
class GuardConfig:
    policies: tuple[str, ...] = DEFAULT_POLICIES
    waivers: tuple[str, ...] = ()
    deep: bool = False
    stop_on: str = "off"
    sns_topic_arn: str | None = None
    security_hub: bool = False

    @property
    def enforcing(self) -> bool:
        return self.stop_on != "off"

    @property
    def policy_specs(self) -> tuple[str, ...]:
        """The policies to load: DEEP adds builtin:deep, as --deep does on the command line."""
        if self.deep and "builtin:deep" not in self.policies:
            return (*self.policies, "builtin:deep")
        return self.policies


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[,\s]+", value or "") if part)


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CheckerError(f"{name}={environ[name]!r}: expected true or false")


def from_environment(environ: Mapping[str, str]) -> GuardConfig:
    """Read and check the configuration; a wrong value is a CheckerError naming the variable."""
    stop_on = environ.get("STOP_ON", "off").strip().lower() or "off"
    if stop_on not in STOP_CHOICES:
        raise CheckerError(
            f"STOP_ON={environ['STOP_ON']!r}: expected {' or '.join(STOP_CHOICES)} "
            "(guard never stops a job for a warning, a note or an unknown)"
        )
    topic = environ.get("SNS_TOPIC_ARN", "").strip() or None
    if topic is not None and not _TOPIC_ARN.match(topic):
        raise CheckerError(f"SNS_TOPIC_ARN={topic!r}: not an SNS topic ARN")
    return GuardConfig(
        policies=_list(environ.get("POLICIES")) or DEFAULT_POLICIES,
        waivers=_list(environ.get("WAIVERS")),
        deep=_flag(environ, "DEEP"),
        stop_on=stop_on,
        sns_topic_arn=topic,
        security_hub=_flag(environ, "SECURITY_HUB"),
    )
