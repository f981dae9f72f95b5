"""The default concurrency of a scan: chosen from the listing's and the calls' timings.

No test here measures time: the timings are given, or come from clocks the test advances.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from checker.aws.concurrency import AUTO_MAX, AUTO_MIN, MIN_WINDOW, CallLimit, calls_in_flight


@pytest.mark.parametrize(
    ("latency", "cpu", "expected"),
    [
        (0.055, 0.002, 28),  # a slow endpoint: many calls wait at once
        (0.200, 0.002, AUTO_MAX),  # slower still: bounded by the pool
        (0.003, 0.0012, AUTO_MIN),  # botocore's CPU is the limit: few
        (0.065, 0.0105, 7),  # a listing page (its 100 summaries cost CPU too)
        (0.050, 0.0, AUTO_MAX),  # no CPU measured (a coarse clock): the most
    ],
)
def test_littles_law_chooses_the_calls_in_flight(latency: float, cpu: float, expected: int) -> None:
    assert calls_in_flight(latency, cpu) == expected


def test_the_choice_never_exceeds_the_cap() -> None:
    assert calls_in_flight(1.0, 0.001, cap=20) == 20


def auto() -> CallLimit:
    return CallLimit(16, AUTO_MAX, adaptive=True)


def test_a_listing_page_may_raise_the_start_but_never_lowers_it() -> None:
    limit = auto()
    limit.listed(0.065, 0.0105)  # asks for 7: a page costs more CPU than a Get
    assert limit.limit == 16
    limit.listed(0.300, 0.0105)  # a slow endpoint, still no Get answered
    assert limit.limit == 29


def test_it_grows_while_the_calls_per_second_rise() -> None:
    limit = auto()
    limit.decide(rate=120.0, wall=0.055, cpu=0.002)  # Little's law asks for 28
    assert (limit.limit, limit.settled) == (28, False)
    limit.decide(rate=200.0, wall=0.110, cpu=0.002)  # +67%: grows to the 55 asked
    assert (limit.limit, limit.settled) == (55, False)
    limit.decide(rate=205.0, wall=0.200, cpu=0.002)  # +2.5%: no more increases
    assert (limit.limit, limit.settled) == (55, True)
    limit.decide(rate=300.0, wall=0.200, cpu=0.002)  # settled: a later window changes nothing
    assert limit.history == [16, 28, 55]


def test_it_grows_at_most_twofold_per_window_and_up_to_the_cap() -> None:
    limit = auto()
    limit.decide(rate=100.0, wall=1.0, cpu=0.001)
    limit.decide(rate=200.0, wall=1.0, cpu=0.001)
    assert limit.history == [16, 32, AUTO_MAX]


def test_it_stops_when_littles_law_asks_for_no_more() -> None:
    limit = auto()
    limit.decide(rate=120.0, wall=0.055, cpu=0.002)
    limit.decide(rate=240.0, wall=0.040, cpu=0.002)  # asks 20 with 28 in flight: enough
    assert (limit.limit, limit.settled) == (28, True)


def test_a_fast_endpoint_keeps_few_calls_in_flight() -> None:
    limit = auto()
    limit.listed(0.013, 0.010)
    limit.decide(rate=400.0, wall=0.003, cpu=0.0012)  # botocore's CPU is the limit
    assert (limit.limit, limit.settled) == (AUTO_MIN, True)
    assert limit.history == [16, AUTO_MIN]


def test_an_explicit_limit_is_never_changed() -> None:
    limit = CallLimit(32, 32, adaptive=False)
    limit.listed(0.013, 0.010)
    for _ in range(4 * MIN_WINDOW):
        limit.run(lambda: None)
    assert (limit.limit, limit.history, limit.calls) == (32, [32], 4 * MIN_WINDOW)


class Clocks:
    """A wall clock and a CPU clock that only the calls move."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def call(self, wall: float, cpu: float) -> Callable[[], None]:
        def spend() -> None:
            self.wall += wall
            self.cpu += cpu

        return spend


def test_each_window_of_calls_feeds_its_median_timings() -> None:
    clocks = Clocks()
    limit = CallLimit(
        4, AUTO_MAX, adaptive=True, clock=lambda: clocks.wall, cpu_clock=lambda: clocks.cpu
    )
    for _ in range(MIN_WINDOW - 1):
        limit.run(clocks.call(0.050, 0.002))
    assert limit.limit == 4  # the window is not full yet
    limit.run(clocks.call(0.050, 0.002))
    assert limit.limit == 8  # 25 asked for, at most twice as many per window


def test_no_more_calls_than_the_limit_are_in_flight() -> None:
    limit = CallLimit(2, 8, adaptive=False)
    release = threading.Event()
    entered = threading.Semaphore(0)
    in_flight: list[int] = []
    lock = threading.Lock()
    running = 0

    def call() -> None:
        nonlocal running
        with lock:
            running += 1
            in_flight.append(running)
        entered.release()
        release.wait()
        with lock:
            running -= 1

    threads = [threading.Thread(target=limit.run, args=(call,)) for _ in range(5)]
    for thread in threads:
        thread.start()
    entered.acquire()
    entered.acquire()
    assert not entered.acquire(timeout=0.2)  # a third call waits for a free place
    release.set()
    for thread in threads:
        thread.join()
    assert max(in_flight) == 2 and limit.calls == 5
