"""The domain model's records of waivers and baselines (``checker.model`` names them too):
imported only when a run has waivers or a baseline, or a report shows them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from checker.model import Origin


@dataclass(frozen=True)
class Waiver:
    """An accepted risk: findings of ``rule`` on the matching jobs do not fail the run."""

    rule: str  # rule id or glob
    reason: str
    expires: datetime.date
    jobs: tuple[str, ...] = ()  # globs over job name, ARN, Terraform address or key
    files: tuple[str, ...] = ()  # globs over the job's file path
    paths: tuple[str, ...] = ()  # `path:` globs the job's file must match (narrows the waiver)
    approved_by: str | None = None
    origin: Origin = Origin()  # noqa: RUF009 (frozen: one instance is safely shared)


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a violation does not count: a waiver, or a baseline of accepted findings."""

    kind: str  # "waiver" or "baseline"
    justification: str
    waiver: Waiver | None = None


@dataclass(frozen=True)
class WaiverStatus:
    """How a loaded waiver fared in a run: active, expired (no longer waives) or stale."""

    waiver: Waiver
    status: str  # "active", "expired" or "stale"
    matched: int = 0
