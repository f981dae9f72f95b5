"""Which of the project's kinds of file a parsed mapping is, and what to do with it instead.

A file given to the wrong option (a waivers file as --policy, a job document to `policy
validate`) fails validation with "unknown field"; this says what the file is and where it goes.
"""

from __future__ import annotations

from typing import Any

# What each kind of file is passed with.
_USE = {
    "policy": "pass it with --policy (or `bedrock-checker policy validate`)",
    "waivers": "pass it with --waivers",
    "baseline": "pass it with --baseline",
    "policy tests": "run it with `bedrock-checker policy test`",
    "job": "check it with `bedrock-checker check`",
}
_NAMES = {
    "policy": "a policy file",
    "waivers": "a waivers file",
    "baseline": "a baseline file",
    "policy tests": "a policy test file",
    "job": "a job document",
}


def kind_of(data: Any) -> str | None:
    """'policy', 'waivers', 'baseline', 'policy tests' or 'job' for a file's top-level value;
    None if unsure."""
    from checker import normalize
    from checker.sources import terraform

    if isinstance(data, list) and data and all(normalize.classify(item) for item in data):
        return "job"
    if not isinstance(data, dict):
        return None
    if "waivers" in data:
        return "waivers"
    if "rules" in data:
        return "policy"
    if "tests" in data:
        return "policy tests"
    if isinstance(data.get("findings"), list) and "fingerprint" in str(data["findings"][:1]):
        return "baseline"
    if normalize.classify(data) or terraform.is_plan_or_state(data):
        return "job"
    if terraform.is_tf_json_config(data):
        return "job"
    return None


def wrong_kind(data: Any, expected: str) -> str | None:
    """ "this is a waivers file: pass it with --waivers" when ``data`` is another kind of file
    than ``expected``; None when it is that kind or cannot be told."""
    found = kind_of(data)
    if found is None or found == expected:
        return None
    return f"this is {_NAMES[found]}, not {_NAMES[expected]}: {_USE[found]}"
