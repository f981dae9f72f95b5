"""The command's start-up, without the garbage collector going over it again and again.

Start-up (click, YAML, Cerberus, the policy and its validators) allocates some 40,000 objects
that live for the whole run. At the default threshold the collector went over them about 50
times, some 7 ms of a one-file check. The command defers collection until the run is
configured, then moves what start-up made out of the collector's way (``gc.freeze``) and
collects at the default threshold again, so long runs collect their own garbage as before.
"""

from __future__ import annotations

import gc

# High enough that start-up with the built-in packs allocates fewer objects; a larger start-up
# (a long user policy) is collected once when it passes it.
START_UP_THRESHOLD = 100_000
_DEFAULT_THRESHOLD = gc.get_threshold()


def defer_collection() -> None:
    gc.set_threshold(START_UP_THRESHOLD, *_DEFAULT_THRESHOLD[1:])


def started() -> None:
    """Start-up is over: what it made stays out of later collections, which run as usual."""
    if gc.get_threshold()[0] == START_UP_THRESHOLD:
        gc.freeze()
        gc.set_threshold(*_DEFAULT_THRESHOLD)
