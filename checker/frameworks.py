"""Compliance frameworks: which controls each rule supports.

A rule states its controls in the policy YAML (``controls: {nist-800-53: [SC-7]}``); this module
knows the framework names and the shape of their control ids. How those controls fared in a run
(the per-control summary of ``--framework NAME``) is ``checker.controls``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from checker.model import Rule


class Framework(NamedTuple):  # not a dataclass: defined at every start, at a tenth of the cost
    name: str  # as written on the command line and in policy files
    title: str
    control_pattern: str  # a full-match regex for the framework's control ids
    example: str


FRAMEWORKS: dict[str, Framework] = {
    f.name: f
    for f in (
        Framework("nist-800-53", "NIST SP 800-53 Rev. 5", r"[A-Z]{2}-\d+(\(\d+\))?", "SC-28(1)"),
        Framework("iso-27001", "ISO/IEC 27001:2022 Annex A", r"A\.[5-8]\.\d+", "A.8.24"),
        Framework("iso-42001", "ISO/IEC 42001:2023 Annex A", r"A\.\d+(\.\d+)+", "A.6.2.4"),
        Framework(
            "nist-ai-rmf",
            "NIST AI RMF 1.0",
            r"(GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+",
            "MEASURE 2.3",
        ),
        Framework(
            "owasp-llm",
            "OWASP Top 10 for LLM Applications 2025",
            r"LLM(0[1-9]|10):2025",
            "LLM04:2025",
        ),
        Framework("mitre-atlas", "MITRE ATLAS", r"AML\.[MT]\d{4}(\.\d{3})?", "AML.M0007"),
    )
}

# How a control fared, worst first: one failing rule makes the control failing.
STATUSES = ("failing", "unknown", "waived", "passing", "not-evaluated")


def control_problem(framework: str, control: object) -> str | None:
    """Why ``control`` is not a control id of ``framework`` (None when it is one)."""
    known = FRAMEWORKS.get(framework)
    if known is None:
        return f"unknown framework '{framework}' (known: {', '.join(FRAMEWORKS)})"
    if not isinstance(control, str) or not re.fullmatch(known.control_pattern, control):
        return f"'{control}' is not a control id of {known.title} (such as '{known.example}')"
    return None


def natural_key(control: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts SC-7 before SC-28 and A.8.3 before A.8.24."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"(\d+)", control)
        if part
    )


def rule_controls(rules: Iterable[Rule], framework: str) -> list[tuple[Rule, tuple[str, ...]]]:
    """Each rule with its controls in ``framework`` (an empty tuple when it maps none)."""
    return [(rule, tuple(rule.controls.get(framework, ()))) for rule in rules]


def describe_controls(controls: Mapping[str, Iterable[str]], framework: str | None = None) -> str:
    """'nist-800-53: SC-7, AC-4; iso-27001: A.8.20', for one framework or all of them."""
    names = [framework] if framework else [n for n in FRAMEWORKS if n in controls]
    parts = [f"{name}: {', '.join(controls[name])}" for name in names if controls.get(name)]
    return "; ".join(parts)
