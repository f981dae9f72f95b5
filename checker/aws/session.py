"""Sessions, credentials, assumed roles, regions and client configuration for every AWS call.

boto3 and botocore are imported inside functions, so that importing this module stays light.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checker import __version__
from checker.aws.connection import AUTO_MAX, Connection
from checker.aws.errors import scope_message
from checker.errors import CheckerError
from checker.model import LoadError, Origin

RETRY_MODES = ("standard", "adaptive")
# The retry policy of every call, unless --retry-mode/--max-attempts, AWS_RETRY_MODE/
# AWS_MAX_ATTEMPTS or the profile say otherwise. Every call the tool makes is a read, safe to
# repeat, so it affords more attempts than botocore's default of 3: at 35% of answers throttled
# or 5xx, 3 attempts lose about one call in 23; 8 lose about one in 4,500 (docs/live.md).
DEFAULT_RETRY_MODE = "adaptive"
DEFAULT_MAX_ATTEMPTS = 8
SESSION_NAME = "bedrock-checker"
# STS is reached in this region when no region is known (its global endpoint's region).
STS_FALLBACK_REGION = "us-east-1"

# What a user may type: us-east-1, eu-central-2, us-gov-west-1, cn-north-1.
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/.+$")


@dataclass(frozen=True)
class ScopeFailure:
    """An account or region that could not be listed or reached at all."""

    region: str
    account: str | None
    message: str

    @property
    def label(self) -> str:
        return f"{self.region} (account {self.account})" if self.account else self.region

    def to_error(self) -> LoadError:
        """An error result keyed by the account and region (the message names the account)."""
        account = f"account {self.account}: " if self.account else ""
        origin = Origin(region=self.region, account=self.account)
        return LoadError(origin, f"{account}{self.message}")


def make_session(profile: str | None) -> Any:
    """A boto3 session: the usual environment and credential chain, or a named profile."""
    import boto3
    from botocore.exceptions import ConfigParseError, ProfileNotFound

    try:
        session = boto3.session.Session(profile_name=profile)
        session.available_profiles  # noqa: B018  reads the config files now, not mid-run
        return session
    except ProfileNotFound as exc:
        raise no_profile(exc, profile) from exc
    except ConfigParseError as exc:
        where = getattr(exc, "kwargs", {}).get("path") or "AWS_CONFIG_FILE"
        raise CheckerError(f"{where}: cannot parse the AWS config file") from exc


def keep_wire_timestamps(session: Any) -> None:
    """Timestamps as the service sent them (``cli_timestamp_format = none``), not datetimes."""
    factory = session._session.get_component("response_parser_factory")
    factory.set_parser_defaults(timestamp_parser=lambda value: value)


def cli_settings(profile: str | None) -> tuple[str | None, str | None]:
    """The profile's ``output`` and ``cli_timestamp_format`` from the AWS config file."""
    from botocore.exceptions import ProfileNotFound

    try:
        config = make_session(profile)._session.get_scoped_config()
    except ProfileNotFound as exc:
        raise no_profile(exc, profile) from exc
    output, timestamps = config.get("output"), config.get("cli_timestamp_format")
    return (str(output) if output else None, str(timestamps) if timestamps else None)


def no_profile(exc: Exception, given: str | None) -> CheckerError:
    if given:
        return CheckerError(f"--profile {given}: no such profile in the AWS config files")
    name = getattr(exc, "kwargs", {}).get("profile")
    return CheckerError(
        f"profile {name} (from AWS_PROFILE): no such profile in the AWS config files"
    )


def check_region(region: str) -> str:
    """The region name, or CheckerError when it is not one (the one check every command uses)."""
    if not _REGION.match(region):
        raise CheckerError(f"--region {region}: not an AWS region name (e.g. us-east-1)")
    return region


def regions(connection: Connection, session: Any, *, required: bool = True) -> tuple[str, ...]:
    """The regions to work in: --region values, else the configured default region.

    Every name is checked. With ``required``, no region at all is an error; otherwise it is ().
    """
    from botocore.exceptions import ProfileNotFound

    chosen = tuple(dict.fromkeys(connection.regions))
    if not chosen:
        try:
            default = session.region_name
        except ProfileNotFound as exc:
            raise no_profile(exc, connection.profile) from exc
        if not default:
            if not required:
                return ()
            raise CheckerError(
                "no AWS region: pass --region (repeatable), or set AWS_REGION or a region "
                "in the profile"
            )
        chosen = (default,)
    return tuple(check_region(region) for region in chosen)


def client_config(connection: Connection, session: Any, region: str | None) -> Any:
    from botocore import UNSIGNED
    from botocore.config import Config

    configured = _configured(session, "retry_mode")
    mode = connection.retry_mode or (configured if configured in RETRY_MODES else None)
    retries: dict[str, Any] = {"mode": mode or DEFAULT_RETRY_MODE}
    if connection.max_attempts is not None:
        retries["total_max_attempts"] = connection.max_attempts
    elif _configured(session, "max_attempts") is None:
        retries["total_max_attempts"] = DEFAULT_MAX_ATTEMPTS
    options: dict[str, Any] = {
        "region_name": region,
        "retries": retries,
        # One pooled connection per worker, so that threads never wait for a connection.
        "max_pool_connections": max(connection.max_concurrency or AUTO_MAX, 10),
        "user_agent_extra": f"bedrock-checker/{__version__}",
    }
    # The AWS CLI's convention: 0 means no timeout.
    if connection.cli_read_timeout is not None:
        options["read_timeout"] = connection.cli_read_timeout or None
    if connection.cli_connect_timeout is not None:
        options["connect_timeout"] = connection.cli_connect_timeout or None
    if connection.no_sign_request:
        options["signature_version"] = UNSIGNED
    return Config(**options)


def _configured(session: Any, name: str) -> Any:
    """A retry setting the user gave (AWS_<NAME> or the profile's), else None: botocore's
    own default does not count, so that the tool's default applies."""
    import os

    from botocore.exceptions import ConfigParseError, ProfileNotFound

    if os.environ.get(f"AWS_{name.upper()}"):
        return os.environ[f"AWS_{name.upper()}"]
    try:
        return session._session.get_scoped_config().get(name)
    except (ProfileNotFound, ConfigParseError):
        return None  # reported by the calls that need the profile, if they do


def verify_option(connection: Connection) -> bool | str | None:
    if connection.no_verify_ssl:
        import warnings

        from urllib3.exceptions import InsecureRequestWarning

        warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        return False
    return connection.ca_bundle


@dataclass(frozen=True)
class Target:
    """One set of credentials: the caller's, or an assumed role's (with its account)."""

    session: Any
    account: str | None = None


def open_targets(
    connection: Connection, session: Any, regions: Sequence[str]
) -> tuple[list[Target], list[ScopeFailure]]:
    """The caller's session, or a session for each --assume-role (a failed role: per region)."""
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    if not connection.assume_roles:
        return [Target(session)], []
    targets: list[Target] = []
    failures: list[ScopeFailure] = []
    sts = None
    for role_arn in dict.fromkeys(connection.assume_roles):
        match = _ROLE_ARN.match(role_arn)
        if match is None:
            raise CheckerError(f"--assume-role {role_arn}: not an IAM role ARN")
        if connection.no_sign_request:
            raise CheckerError("--assume-role cannot be combined with --no-sign-request")
        try:
            if sts is None:
                sts = sts_client(connection, session, regions[0] if regions else None)
            targets.append(Target(assume_role(connection, session, role_arn, sts), match.group(1)))
        except ProfileNotFound as exc:
            raise no_profile(exc, connection.profile) from exc
        except (ClientError, BotoCoreError) as exc:
            message = scope_message(exc, f"cannot assume role {role_arn}")
            failures.extend(ScopeFailure(r, match.group(1), message) for r in regions)
    return targets, failures


def sts_client(connection: Connection, session: Any, region: str | None) -> Any:
    """One STS client for every role assumed (clients are thread-safe)."""
    # STS keeps its usual endpoint (AWS_ENDPOINT_URL_STS applies): --endpoint-url is Bedrock's.
    return session.client(
        "sts",
        region_name=region,
        verify=verify_option(connection),
        config=client_config(connection, session, region),
    )


def _iso(moment: Any) -> str:
    """A timestamp as ISO 8601: a datetime, or the wire's own string when the session keeps them."""
    return moment if isinstance(moment, str) else str(moment.isoformat())


def assume_role(connection: Connection, session: Any, role_arn: str, sts: Any) -> Any:
    """A session holding the role's temporary credentials, assumed now (so that a role that
    cannot be assumed fails here) and again by botocore before they expire: an audit of many
    accounts can outlive the one-hour credentials."""
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    params = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
    if connection.external_id is not None:
        params["ExternalId"] = connection.external_id

    def fetch() -> dict[str, str]:
        credentials = sts.assume_role(**params)["Credentials"]
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": _iso(credentials["Expiration"]),
        }

    credentials = RefreshableCredentials.create_from_metadata(
        fetch(), refresh_using=fetch, method="assume-role"
    )
    core = botocore.session.get_session()
    core._credentials = credentials  # botocore's own slot for explicit credentials
    # The caller's service-model loader, already warm: a session per account would otherwise
    # parse the same service models again for every account of an audit.
    core.register_component("data_loader", session._session.get_component("data_loader"))
    assumed = boto3.session.Session(botocore_session=core)
    if connection.wire_timestamps:
        keep_wire_timestamps(assumed)
    return assumed
