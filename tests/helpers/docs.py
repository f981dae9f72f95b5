"""What the docs pages state as data: the IAM policies they show."""

from __future__ import annotations

import json
import re
from typing import Any

from helpers.paths import REPO


def documented_statements(page: str) -> list[dict[str, Any]]:
    """Every statement of the JSON IAM policies shown on a page of docs/."""
    text = (REPO / "docs" / page).read_text(encoding="utf-8")
    statements: list[dict[str, Any]] = []
    for block in re.findall(r"```json\n(.*?)```", text, re.S):
        document = json.loads(block)
        if isinstance(document, dict) and "Statement" in document:
            statements.extend(document["Statement"])
    return statements


def actions_of(statement: dict[str, Any]) -> set[str]:
    listed = statement["Action"]
    return {listed} if isinstance(listed, str) else set(listed)


def documented_actions(page: str) -> set[str]:
    """Every action those policies allow, bar the caller's own sts:AssumeRole."""
    actions: set[str] = set()
    for statement in documented_statements(page):
        actions |= actions_of(statement)
    return actions - {"sts:AssumeRole"}
