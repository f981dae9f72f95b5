"""How many API calls a scan keeps in flight when --max-concurrency is not given.

One process sends at most about 1/CPU calls per second, where CPU is botocore's own time per
call (the GIL runs one call's Python at a time). To reach that rate while each call waits
LATENCY for its answer, Little's law asks for LATENCY / CPU calls in flight: many when the
endpoint is slow, few when botocore's CPU is the limit. The listing's pages may raise the
start; the limit is then re-chosen from the Gets' own timings after each window of calls,
and grows only while the calls per second rise. Nothing here imports boto3.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from statistics import median
from typing import Any, TypeVar

from checker.aws.connection import AUTO_MAX, AUTO_MIN

__all__ = ["AUTO_MAX", "AUTO_MIN", "CallLimit", "calls_in_flight"]

# The least gain in calls per second that an increase must bring to be kept.
MIN_GAIN = 0.05
# The fewest calls of a window (a window is at least twice as many calls as are in flight:
# fewer answer in about one call's latency, and their rate says little).
MIN_WINDOW = 16

Result = TypeVar("Result")


def calls_in_flight(latency: float, cpu: float, cap: int = AUTO_MAX) -> int:
    """Little's law: the calls in flight that keep one process's CPU busy when each call waits
    ``latency`` seconds of which ``cpu`` seconds are the client's own work; within
    [AUTO_MIN, cap]."""
    if cpu <= 0:
        return cap
    return max(AUTO_MIN, min(cap, math.ceil(latency / cpu)))


class CallLimit:
    """At most ``limit`` calls in flight at once, on a pool of ``cap`` threads.

    With ``adaptive``, the listing's timing may raise the start (``listed``), then after
    each window of calls it is re-chosen with ``calls_in_flight`` from the calls' median wall
    and CPU times. It stops growing once a window's calls per second are not at least
    MIN_GAIN higher than before the last increase, or once Little's law asks for no more than
    it has. ``clock`` and ``cpu_clock`` (the calling
    thread's CPU time) are there for tests.
    """

    def __init__(
        self,
        limit: int,
        cap: int,
        *,
        adaptive: bool,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.thread_time,
    ) -> None:
        self.limit = min(limit, cap)
        self.cap = cap
        self.settled = not adaptive
        self.calls = 0
        self.history: list[int] = [self.limit]  # every limit chosen, in order
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._in_flight = 0
        self._condition = threading.Condition(threading.RLock())
        self._walls: list[float] = []
        self._cpus: list[float] = []
        self._window_started: float | None = None
        self._best: tuple[int, float] | None = None  # (limit, calls per second) before growing

    def listed(self, wall: float, cpu: float) -> None:
        """A listing page's timing: the first estimate, until the Gets give their own. It only
        raises the start: a page costs more CPU than a Get, so its estimate is low, and a
        start too low would wait long for the first window when the Gets are slow."""
        with self._condition:
            if not self.settled and self.calls == 0 and self._best is None:
                self._set(max(self.limit, calls_in_flight(wall, cpu, self.cap)))

    def run(self, function: Callable[..., Result], *args: Any) -> Result:
        """``function(*args)`` once fewer than ``limit`` calls are in flight, timed."""
        with self._condition:
            while self._in_flight >= self.limit:
                self._condition.wait()
            self._in_flight += 1
            if self._window_started is None:
                self._window_started = self._clock()
        started, cpu = self._clock(), self._cpu_clock()
        try:
            return function(*args)
        finally:
            wall, cpu = self._clock() - started, self._cpu_clock() - cpu
            with self._condition:
                self._in_flight -= 1
                self.calls += 1
                if not self.settled:
                    self._record(wall, cpu)
                self._condition.notify()  # one place is free (_set wakes all when it grows)

    def _record(self, wall: float, cpu: float) -> None:
        self._walls.append(wall)
        self._cpus.append(cpu)
        if len(self._walls) < max(MIN_WINDOW, 2 * self.limit):
            return
        now = self._clock()
        elapsed = now - (self._window_started or now)
        rate = len(self._walls) / elapsed if elapsed > 0 else math.inf
        wall, cpu = median(self._walls), median(self._cpus)
        self._walls, self._cpus, self._window_started = [], [], now
        self.decide(rate, wall, cpu)

    def decide(self, rate: float, wall: float, cpu: float) -> None:
        """The end of a window: ``rate`` calls per second were answered, each call's median
        wall time ``wall`` and CPU time ``cpu``."""
        with self._condition:  # re-entrant: _record holds it already
            if not self.settled:
                self._decide(rate, calls_in_flight(wall, cpu, self.cap))

    def _decide(self, rate: float, wanted: int) -> None:
        if self._best is not None and rate < self._best[1] * (1 + MIN_GAIN):
            self.settled = True  # the last increase did not pay: no more
        elif wanted > self.limit and self.limit < self.cap:
            self._best = (self.limit, rate)
            self._set(min(wanted, 2 * self.limit, self.cap))
        else:
            if self._best is None:
                self._set(wanted)  # the first window: fewer suffice (botocore's CPU the limit)
            self.settled = True  # as many as Little's law asks for

    def _set(self, limit: int) -> None:
        if limit != self.limit:
            if limit > self.limit:
                self._condition.notify_all()
            self.limit = limit
            self.history.append(limit)
