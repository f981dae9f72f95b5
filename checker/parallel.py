"""Reading and evaluating many job files on several processes.

A check of files spends its time reading, normalising and evaluating each file: work that
depends on nothing but the file and the policy. When there are many files, worker processes
share it out: they are forked once the policy is loaded (so nothing is loaded twice), each takes
a batch of files at a time, reads them one by one, evaluates their jobs with its own verdict
cache and sends back the compact results (checker.pipeline.compact), which the parent puts
back in the files' order. The report is the same as one process's, byte for byte.

Only where ``fork`` exists (not Windows): a worker starts with the parent's loaded policy.
Workers ignore Ctrl-C and are stopped by the parent, which handles the signals. A worker that
dies (killed, out of memory) does not lose its files: the parent reads what is left itself.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from checker.model import JobResult, LoadError, Origin
from checker.sources.files import FileJobs, FileToRead, display_path, read_one

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from checker.evaluate import Evaluator
    from checker.model import Rule
    from checker.pipeline import Configuration

# Below this many files per worker, forking costs more than it saves.
FILES_PER_WORKER = 200
# Files a worker reads before sending their results back: large enough that the results
# travel in a few big messages, small enough that the parent keeps its workers busy.
BATCH = 64
MAX_WORKERS = 8
_PR_SET_PDEATHSIG = 1  # prctl(2)

FileResults = list[JobResult] | None


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def choose_workers(files: int, requested: int | None) -> int:
    """How many processes evaluate ``files`` files: ``requested`` when given (at most one per
    file); otherwise one per FILES_PER_WORKER files, at most one per available CPU and
    MAX_WORKERS. 1 means the files are read in the calling process."""
    if requested is not None:
        count = min(requested, files)
    else:
        count = min(files // FILES_PER_WORKER, available_cpus(), MAX_WORKERS)
    if count < 2:
        return 1
    import multiprocessing

    return count if "fork" in multiprocessing.get_all_start_methods() else 1


def results(configuration: Configuration, jobs: FileJobs, workers: int) -> Iterator[JobResult]:
    """The compact result of every job of ``jobs`` and of every error, in order, evaluated by
    ``workers`` processes."""
    files = jobs.files()
    batches = [files[start : start + BATCH] for start in range(0, len(files), BATCH)]
    from concurrent.futures.process import BrokenProcessPool

    global _CONFIGURATION
    rules = [compiled.rule for compiled in configuration.policy.compiled]
    pool = _start(configuration, workers)
    try:
        pending: deque[Future[bytes]] = deque(pool.submit(_evaluate_batch, b) for b in batches)

        def read(_: list[FileToRead]) -> Iterator[FileResults]:
            for batch in batches:
                future = pending.popleft()  # its message is let go of once read
                try:
                    payload = future.result()
                except BrokenProcessPool:
                    yield from _in_this_process(batch)
                    continue
                yield from _loads(payload, rules)

        yield from jobs.each(read, lambda error: JobResult(None, error))
    except BaseException:
        # Stopped early (a signal, an error, the caller): the batches under way are not waited for.
        _terminate(pool)
        raise
    finally:
        _CONFIGURATION = None
    pool.shutdown()


def _start(configuration: Configuration, workers: int) -> ProcessPoolExecutor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _CONFIGURATION
    _CONFIGURATION = configuration  # what the forked workers start from
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )


def _terminate(pool: ProcessPoolExecutor) -> None:
    # The processes first: shutdown() forgets them. A worker left waiting for work would never
    # see the end of its queue, whose other end it holds itself.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(1)


def _in_this_process(batch: list[FileToRead]) -> Iterator[FileResults]:
    """A batch whose worker died, read and evaluated here."""
    yield from _evaluate_files(batch)


# The configuration the workers are forked with, and each worker's evaluator.
_CONFIGURATION: Configuration | None = None
_EVALUATOR: Evaluator | None = None


def _start_worker(parent: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A parent killed outright (SIGKILL) cannot stop its workers: have the kernel do it.
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent stops them
        pass
    if os.getppid() != parent:  # the parent died before that was set
        os._exit(1)


def _evaluator(configuration: Configuration) -> Evaluator:
    from checker.evaluate import Evaluator

    global _EVALUATOR
    if _EVALUATOR is None or _EVALUATOR.policy is not configuration.policy:
        _EVALUATOR = Evaluator(configuration.policy)
    return _EVALUATOR


def _evaluate_batch(batch: list[FileToRead]) -> bytes:
    """In a worker: each file's compact results (None for a file passed over), pickled with
    the rules as their positions in the policy."""
    assert _CONFIGURATION is not None
    rules = [compiled.rule for compiled in _CONFIGURATION.policy.compiled]
    return _dumps(_evaluate_files(batch), rules)


def _evaluate_files(batch: list[FileToRead]) -> list[FileResults]:
    """Each file's compact results (None for a file passed over), with ``_CONFIGURATION``."""
    configuration = _CONFIGURATION
    assert configuration is not None
    evaluator = _evaluator(configuration)
    shared: dict[Any, Any] = {}  # equal strings stored once in the batch's message
    return [_evaluate_file(evaluator, configuration, file, shared) for file in batch]


def _evaluate_file(
    evaluator: Evaluator, configuration: Configuration, file: FileToRead, shared: dict[Any, Any]
) -> FileResults:
    from checker.pipeline import compact

    try:
        items = read_one(file)
    except Exception as exc:  # a bug must not lose the file: it becomes an error result
        items = [LoadError(Origin(path=display_path(file.path)), f"could not be read: {exc!r}")]
    if items is None:
        return None
    return [compact(result, configuration.reported, shared) for result in evaluator.results(items)]


def _dumps(found: list[FileResults], rules: list[Rule]) -> bytes:
    """The results pickled with the rules as their positions in the policy (every finding
    names one) and the compact jobs' shared empty line map as a name: in the parent, both
    become its own objects again (``_loads``)."""
    import io
    import pickle

    from checker.model import NO_LINES, Rule

    positions = {id(rule): index for index, rule in enumerate(rules)}

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj: Any) -> Any:
            if obj is NO_LINES:
                return "lines"
            if isinstance(obj, Rule):
                return positions.get(id(obj))
            return None

    buffer = io.BytesIO()
    Pickler(buffer, pickle.HIGHEST_PROTOCOL).dump(found)
    return buffer.getvalue()


def _loads(payload: bytes, rules: list[Rule]) -> list[FileResults]:
    import io
    import pickle

    from checker.model import NO_LINES

    class Unpickler(pickle.Unpickler):
        def persistent_load(self, pid: Any) -> Any:
            return NO_LINES if pid == "lines" else rules[pid]

    found: list[FileResults] = Unpickler(io.BytesIO(payload)).load()
    return found
