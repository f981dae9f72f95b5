"""JUnit XML checks against the Jenkins XSD."""

from __future__ import annotations

import functools

import xmlschema

from helpers.paths import schema_file


@functools.cache
def junit_schema() -> xmlschema.XMLSchema:
    """The JUnit XSD; skips the calling test when the official schemas are absent."""
    return xmlschema.XMLSchema(str(schema_file("junit-10.xsd")))


def validate_junit(rendered: bytes | str) -> None:
    """Raise unless ``rendered`` is valid per the JUnit XSD."""
    junit_schema().validate(rendered)
