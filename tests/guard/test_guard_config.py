"""Guard's environment variables, and the enforcement rule that no setting can loosen."""

from __future__ import annotations

from typing import Any

import pytest

from checker.aws.clients import Clients
from checker.errors import CheckerError
from checker.guard.check import enforce
from checker.guard.config import DEFAULT_POLICIES, GuardConfig, from_environment
from checker.model import Finding, FindingStatus, Job, JobResult, Origin, Report, Rule, Severity


def test_defaults_are_a_dry_run_of_the_baseline() -> None:
    config = from_environment({})
    assert config == GuardConfig()
    assert (config.policies, config.stop_on, config.enforcing) == (DEFAULT_POLICIES, "off", False)
    assert (config.sns_topic_arn, config.security_hub, config.deep) == (None, False, False)


def test_every_variable_is_read() -> None:
    config = from_environment(
        {
            "POLICIES": "builtin:baseline,config/org.yaml  builtin:cost",
            "WAIVERS": "config/waivers.yaml",
            "DEEP": "TRUE",
            "STOP_ON": "Error",
            "SNS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:guard",
            "SECURITY_HUB": "1",
        }
    )
    assert config.policies == ("builtin:baseline", "config/org.yaml", "builtin:cost")
    assert config.policy_specs == (*config.policies, "builtin:deep")
    assert config.waivers == ("config/waivers.yaml",)
    assert (config.deep, config.stop_on, config.enforcing, config.security_hub) == (
        True,
        "error",
        True,
        True,
    )
    assert config.sns_topic_arn == "arn:aws:sns:us-east-1:123456789012:guard"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"STOP_ON": "warning"}, "STOP_ON='warning': expected off or error"),
        ({"STOP_ON": "unknown"}, "STOP_ON='unknown': expected off or error"),
        ({"DEEP": "maybe"}, "DEEP='maybe': expected true or false"),
        ({"SECURITY_HUB": "2"}, "SECURITY_HUB='2': expected true or false"),
        ({"SNS_TOPIC_ARN": "guard-topic"}, "SNS_TOPIC_ARN='guard-topic': not an SNS topic ARN"),
    ],
)
def test_a_wrong_value_names_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(CheckerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_environment(environ)


class _NoClients(Clients):
    def client(self, service: str, region: str) -> Any:
        raise AssertionError(f"no call expected, got {service} in {region}")


def _report(status: FindingStatus, severity: Severity) -> Report:
    rule = Rule("ORG001", "t", "d", severity, {}, "org")
    job = Job({"jobName": "j", "status": "InProgress"}, Origin(region="us-east-1"), "get")
    finding = Finding(rule, status, "vpcConfig", "m", None, 1)
    return Report(results=(JobResult(job, None, (finding,)),), rules=(rule,))


@pytest.mark.parametrize(
    ("status", "severity", "action"),
    [
        (FindingStatus.UNKNOWN, Severity.ERROR, "none"),
        (FindingStatus.VIOLATED, Severity.WARNING, "none"),
        (FindingStatus.VIOLATED, Severity.NOTE, "none"),
    ],
)
def test_only_error_violations_can_stop_a_job(
    status: FindingStatus, severity: Severity, action: str
) -> None:
    config = GuardConfig(stop_on="error")
    enforcement = enforce(_report(status, severity), config, _NoClients())
    assert enforcement.action == action
    assert enforcement.reason == "no unwaived error-level finding"
