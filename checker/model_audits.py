"""The domain model's records of audits (``checker.model`` names them too): imported only by
runs that cover accounts and regions, so that a check of files does without them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditScope:
    """One (account, region) a live scan covered; ``error`` says why it could not be read."""

    region: str
    account: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Shard:
    """Which share of an audit's scopes a run covered (scan --shard K/N)."""

    index: int  # K, from 1
    count: int  # N
    scopes: int  # scopes of the whole audit
    digest: str  # of the whole audit's scope list: every shard of one audit carries the same
