"""How to reach AWS: the connection options, in a module of their own.

``check`` builds a Connection from its options on every run, --deep or not; this module imports
nothing heavy, so file-only runs stay light.
"""

from __future__ import annotations

from dataclasses import dataclass

# Threads for --deep's reads and for opening an audit's accounts when --max-concurrency is not
# given; a scan's job fetches choose their own (checker/aws/concurrency.py).
DEFAULT_CONCURRENCY = 16
# Bounds of a scan's own choice of calls in flight; the upper one is also the size of each
# client's connection pool.
AUTO_MIN = 4
AUTO_MAX = 64


@dataclass(frozen=True)
class Connection:
    """How to reach AWS: the AWS CLI's global options, plus roles, retries and concurrency.

    Field names are the CLI's option names (checker/cli/options.py builds this from them).
    """

    regions: tuple[str, ...] = ()
    profile: str | None = None
    endpoint_url: str | None = None
    no_verify_ssl: bool = False
    ca_bundle: str | None = None
    cli_read_timeout: float | None = None
    cli_connect_timeout: float | None = None
    no_sign_request: bool = False
    assume_roles: tuple[str, ...] = ()
    retry_mode: str | None = None
    max_attempts: int | None = None
    max_concurrency: int | None = None  # None: chosen from the work (see DEFAULT_CONCURRENCY)
    external_id: str | None = None  # sts:ExternalId for every role assumed
    # Not an option: `get` and `show` set it from the profile's cli_timestamp_format.
    wire_timestamps: bool = False
    # An audit of several accounts (checker/aws/organization.py): which ones, through which role
    organization: bool = False
    ous: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    role_name: str | None = None  # default: organization.DEFAULT_ROLE_NAME
    shard: tuple[int, int] | None = None  # (K, N): this runner's share of the audit's scopes

    @property
    def audit(self) -> bool:
        """Several accounts, discovered or listed, each reached through the audit role."""
        return self.organization or bool(self.accounts)
