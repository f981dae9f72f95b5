"""Masking credentials, session tokens and signatures in debug logs (botocore's wire log)."""

from __future__ import annotations

import logging
import re

_SECRET_NAMES = (
    r"aws_secret_access_key|aws_session_token|aws_security_token|secret_?access_?key"
    r"|session_?token|x-amz-security-token|x-amz-signature|x-amz-credential|signature"
)
_REDACTIONS = (
    # An Authorization header, quoted (a dict repr) or not (an HTTP dump): the whole value.
    (re.compile(r"""(?i)(\bauthorization['"]?\s*[:=]\s*b?['"])[^'"]*"""), r"\1***"),
    (re.compile(r"""(?im)(^\s*authorization:\s*)\S.*$"""), r"\1***"),
    # XML bodies (STS AssumeRole) and `name: value`, `name=value`, `'name': b'value'` forms.
    (re.compile(r"(?i)(<(?:SecretAccessKey|SessionToken)>)[^<]*"), r"\1***"),
    (
        re.compile(
            rf"""(?i)((?:{_SECRET_NAMES})['"]?\s*[:=]\s*(?:b(?=['"]))?['"]?)[^'"&\s,;}}<>]+"""
        ),
        r"\1***",
    ),
)


class SecretRedactor(logging.Filter):
    """Masks credentials, session tokens and signatures in log records (botocore's wire log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to complain
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


_redactor = SecretRedactor()


def install_redaction() -> None:
    """Put the redactor on every handler that botocore's records can reach.

    A filter on a logger does not apply to records of its child loggers, so it goes on the
    handlers: the root logger's (where --debug's logging.basicConfig puts one) and any of the
    AWS libraries' own.
    """
    for name in ("", "botocore", "boto3", "urllib3", "s3transfer"):
        for handler in logging.getLogger(name).handlers:
            if _redactor not in handler.filters:
                handler.addFilter(_redactor)
