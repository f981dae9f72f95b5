"""SARIF checks: the OASIS schema and GitHub code scanning's ingestion rules."""

from __future__ import annotations

import functools
import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema

from helpers.paths import schema_file


@functools.cache
def sarif_validator() -> jsonschema.Draft4Validator:
    """The SARIF 2.1.0 schema; skips the calling test when the official schemas are absent."""
    schema = json.loads(schema_file("sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def assert_valid_sarif(document: dict[str, Any]) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in sarif_validator().iter_errors(document)
    ]
    assert errors == []


def assert_relative_uri(uri: str) -> None:
    assert uri, "empty uri"
    assert not urlsplit(uri).scheme, uri
    assert not uri.startswith("/"), uri
    assert "\\" not in uri, uri
    assert ".." not in PurePosixPath(unquote(uri)).parts, uri


def assert_github_ready(document: dict[str, Any]) -> None:
    """GitHub code scanning's ingestion rules (docs.github.com, SARIF support)."""
    assert document["$schema"].startswith("https://")
    assert "sarif" in document["$schema"]
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "bedrock-checker"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["id"].strip()
        for key in ("shortDescription", "fullDescription"):
            text = rule[key]["text"]
            assert text.strip(), (rule["id"], key)
            assert len(text) <= 1024, (rule["id"], key)
        assert rule["help"]["text"].strip()
        assert rule["help"]["markdown"].strip()
        assert urlsplit(rule["helpUri"]).scheme == "https"
        if rule["id"].endswith("/unknown"):
            # An undecided outcome is no security alert: no score, no security tag, a note.
            assert "security-severity" not in rule["properties"]
            assert "security" not in rule["properties"]["tags"]
            assert rule["defaultConfiguration"]["level"] == "note"
        else:
            severity = rule["properties"]["security-severity"]
            assert isinstance(severity, str)
            assert 0.0 <= float(severity) <= 10.0
        assert len(rule["properties"]["tags"]) <= 20
    assert len(run["results"]) <= 25_000
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert len(hashes) == len(set(hashes)), "results share a fingerprint: GitHub merges them"
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"].strip()
        assert result["partialFingerprints"]["primaryLocationLineHash"].strip()
        assert len(result["locations"]) >= 1
        for location in result["locations"]:
            physical = location["physicalLocation"]
            assert_relative_uri(physical["artifactLocation"]["uri"])
            assert physical["region"]["startLine"] >= 1
