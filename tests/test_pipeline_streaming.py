"""checker/pipeline.py with files read lazily: one file at a time, jobs kept compact."""

from __future__ import annotations

import gc
import json
import weakref
from collections.abc import Iterator
from pathlib import Path

from helpers.jobs import SMALL_REQUEST

from checker import pipeline
from checker.model import REPORTED_PATHS, Job, LoadError
from checker.sources.files import iter_paths

JOB = SMALL_REQUEST


def _tree(tmp_path: Path, count: int) -> Path:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    for index in range(count):
        (jobs / f"job-{index:02d}.json").write_text(json.dumps(dict(JOB, jobName=f"j{index}")))
    (jobs / "catalog.json").write_text(json.dumps({"teams": ["a"]}))
    return jobs


def test_files_read_lazily_give_the_same_report(tmp_path: Path) -> None:
    jobs = _tree(tmp_path, 5)
    configuration = pipeline.configure(("builtin:baseline",))
    skipped: list[str] = []

    report = pipeline.run(configuration, iter_paths([str(jobs)], skipped=skipped), skipped=skipped)

    assert [r.job.name for r in report.results if r.job] == [f"j{i}" for i in range(5)]
    assert [Path(p).name for p in report.skipped_files] == ["catalog.json"]
    assert report.summary()["failed"] == 5


def test_evaluated_jobs_keep_only_what_reports_read(tmp_path: Path) -> None:
    jobs = _tree(tmp_path, 2)
    configuration = pipeline.configure(("builtin:baseline",))

    report = pipeline.run(configuration, iter_paths([str(jobs)], skipped=[]))

    for result in report.results:
        assert result.job is not None
        assert set(result.job.document) <= {path.split(".")[0] for path in REPORTED_PATHS}
        derived = result.job.document["derived"]
        assert set(derived) <= {p.split(".")[1] for p in REPORTED_PATHS if "." in p}
        assert "dataUris" not in derived
        assert result.job.lines == {}
        assert derived["format"] == "create-request"
        assert all(finding.line >= 1 for finding in result.findings)


def test_documents_do_not_pile_up_while_files_are_read(tmp_path: Path) -> None:
    jobs = _tree(tmp_path, 6)
    configuration = pipeline.configure(("builtin:baseline",))
    alive: list[weakref.ref[object]] = []
    held_while_reading: list[int] = []

    def watched() -> Iterator[Job | LoadError]:
        for item in iter_paths([str(jobs)], skipped=[]):
            gc.collect()
            held_while_reading.append(sum(ref() is not None for ref in alive))
            if isinstance(item, Job):
                alive.append(weakref.ref(item))
            yield item

    pipeline.run(configuration, watched())

    # At most the job evaluated last is still referenced (by the loops' variables) when the
    # next file is read; every earlier one is gone.
    assert len(held_while_reading) == 6
    assert max(held_while_reading) <= 1
