"""botocore errors in words: the error code, its text, and what a failed scope should say."""

from __future__ import annotations

# Error codes that say the credentials themselves are bad: every call will fail alike.
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationTokenException",
        "AuthFailure",
        "RequestExpired",
    }
)


# Error codes AWS uses for throttling (botocore's own list, less the ones no read returns).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)


def is_transient(exc: Exception) -> bool:
    """Throttled, or a 5xx answer: the same call may well succeed a little later."""
    if error_code(exc) in THROTTLING_CODES:
        return True
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return isinstance(status, int) and status >= 500
    return False


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or type(exc).__name__)
    return type(exc).__name__


def error_text(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        message = response.get("Error", {}).get("Message") or ""
        return f"{error_code(exc)}: {message}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def is_unreachable(exc: Exception) -> bool:
    """Bad credentials or no connection: every call to this scope would fail the same way."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import (
        ConnectTimeoutError,
        CredentialRetrievalError,
        NoCredentialsError,
        PartialCredentialsError,
        SSOError,
        TokenRetrievalError,
    )

    if isinstance(exc, ConnectTimeoutError):
        return False  # a timeout is about one call
    unreachable = (
        BotoConnectionError,
        CredentialRetrievalError,
        NoCredentialsError,
        PartialCredentialsError,
        SSOError,
        TokenRetrievalError,
    )
    return isinstance(exc, unreachable) or error_code(exc) in CREDENTIAL_CODES


def scope_message(exc: Exception, doing: str) -> str:
    """Why a whole account or region failed, in words that say what to do about it."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import NoCredentialsError, SSLError

    code = error_code(exc)
    if isinstance(exc, NoCredentialsError):
        return (
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, run `aws configure` or `aws sso login`, or pass --profile"
        )
    if code in CREDENTIAL_CODES:
        return (
            f"the AWS credentials were rejected ({error_text(exc)}): refresh them "
            "(e.g. `aws sso login`) or choose another --profile"
        )
    if isinstance(exc, SSLError):
        return f"{doing}: {exc} (see --ca-bundle)"
    if isinstance(exc, BotoConnectionError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        return (
            f"{doing}: cannot reach {url or 'the Bedrock endpoint'} "
            "(is Amazon Bedrock available in this region, and the endpoint reachable?)"
        )
    if code in ("AccessDenied", "AccessDeniedException"):
        return f"{doing}: {error_text(exc)} (see docs/live.md for the IAM permissions needed)"
    return f"{doing}: {error_text(exc)}"
