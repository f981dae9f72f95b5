"""checker.shards: --shard K/N shares every scope once, balanced, the same on every runner."""

from __future__ import annotations

import random

import pytest

from checker.errors import CheckerError
from checker.model import Job, LoadError, Origin
from checker.shards import digest, parse_shard, scope_of, share

SCOPES = [(f"{a:012d}", r) for a in range(1, 38) for r in ("eu-west-1", "us-east-1", "us-west-2")]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 200])
def test_the_shares_cover_every_scope_once_and_differ_by_at_most_one(count: int) -> None:
    shuffled = random.Random(count).sample(SCOPES, len(SCOPES))
    shares = [share(shuffled, index, count) for index in range(1, count + 1)]

    covered = [scope for mine, _ in shares for scope in mine]
    assert sorted(covered) == sorted(SCOPES)  # each exactly once
    sizes = [len(mine) for mine, _ in shares]
    assert max(sizes) - min(sizes) <= 1
    assert {shard.digest for _, shard in shares} == {digest(SCOPES)}
    assert [shard.index for _, shard in shares] == list(range(1, count + 1))
    assert all(shard.scopes == len(SCOPES) for _, shard in shares)
    assert share(SCOPES, 1, count) == shares[0]  # the input's order does not matter


@pytest.mark.parametrize("text", ["0/4", "5/4", "2", "a/b", "1/0"])
def test_a_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(CheckerError, match=f"--shard {text}: "):
        parse_shard(text)


def test_scope_of_a_job_and_of_an_errored_scope() -> None:
    arn = "arn:aws:bedrock:eu-west-1:111122223333:model-customization-job/x"
    job = Job({"jobArn": arn}, Origin(region="eu-west-1", arn=arn), "get-response")
    error = LoadError(Origin(region="us-east-1", account="444455556666"), "cannot assume role")
    assert scope_of(job) == ("111122223333", "eu-west-1")
    assert scope_of(error) == ("444455556666", "us-east-1")
    assert error.key == "444455556666:us-east-1"
    assert error.origin.describe() == "us-east-1 (account 444455556666)"
