"""An audit's (account, region) scopes: shared out among N runners, and put in one order.

``--shard K/N`` gives runner K every N-th scope of the sorted list of all scopes, starting at
the K-th: each scope goes to exactly one runner, and shares differ by at most one scope. The
order of results is the order of scopes, so that the merge of the shards' reports equals the
report of one unsharded run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from checker import normalize
from checker.errors import CheckerError
from checker.model import Job, LoadError, Shard

ScopeKey = tuple[str, str]  # (account, region); account "" when the caller's own
_SHARD = re.compile(r"^(\d+)/(\d+)$")


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N."""
    match = _SHARD.match(text.strip())
    if match is None:
        raise CheckerError(f"--shard {text}: expected K/N, e.g. 2/4 (runner 2 of 4)")
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise CheckerError(f"--shard {text}: K must be between 1 and N")
    return index, count


def digest(scopes: Sequence[ScopeKey]) -> str:
    """One value for the whole list of scopes: shards of one audit carry the same."""
    text = "\n".join(f"{account}:{region}" for account, region in sorted(scopes))
    import hashlib  # imported here: a file-only run never shards

    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def share(scopes: Sequence[ScopeKey], index: int, count: int) -> tuple[list[ScopeKey], Shard]:
    """Runner ``index`` of ``count``: its scopes, and what its report says about the split."""
    ordered = sorted(set(scopes))
    mine = ordered[index - 1 :: count]
    return mine, Shard(index=index, count=count, scopes=len(ordered), digest=digest(ordered))


def scope_of(item: Job | LoadError) -> ScopeKey:
    """The (account, region) a live job or error belongs to."""
    origin = item.origin
    account = origin.account or ""
    if not account:
        arn = item.arn if isinstance(item, Job) else origin.arn
        account = (normalize.parse_arn(arn) or {}).get("account") or "" if arn else ""
    return account, origin.region or ""
