"""snapshot: every path made from remote data stays inside --out."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.sources.bedrock import FetchedJob

HOSTILE_ARNS = [
    "arn:aws:bedrock:us-east-1:../../../../tmp/x:model-customization-job/j",
    "arn:aws:bedrock:us-east-1:..:model-customization-job/j",
    "arn:aws:bedrock:us-east-1:/etc:model-customization-job/j",
    "arn:aws:bedrock:us-east-1:.:model-customization-job/j",
    "arn:aws:bedrock:us-east-1::model-customization-job/j",
]


@pytest.mark.parametrize("arn", HOSTILE_ARNS)
@pytest.mark.parametrize("region", ["us-east-1", "../..", "/abs"])
@pytest.mark.parametrize("name", ["j", "..", "../../x", "/etc/passwd", ".hidden", ""])
def test_snapshot_path_parts_are_single_safe_names(
    tmp_path: Path, arn: str, region: str, name: str
) -> None:
    job = FetchedJob(response={"jobArn": arn, "jobName": name}, region=region)

    parts = job.snapshot_path()

    assert len(parts) == 3
    for part in parts:
        assert part not in ("", ".", "..")
        assert "/" not in part and "\\" not in part and "\x00" not in part
    out = tmp_path / "out"
    target = (out / Path(*parts)).resolve()
    assert target.is_relative_to(out.resolve())
