"""The command's start-up runs without garbage collections, and long runs collect as usual."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from checker.startup import START_UP_THRESHOLD, started

REPO = Path(__file__).resolve().parent.parent

WATCH = """
import gc, json, sys
import checker.startup as startup
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(1))
seen = {"default": gc.get_threshold()}
original = startup.started
def started():
    seen["collections during start-up"] = len(collections)
    seen["threshold during start-up"] = gc.get_threshold()
    original()
    seen["threshold after"] = gc.get_threshold()
    seen["frozen"] = gc.get_freeze_count()
startup.started = started
sys.argv = ["bedrock-checker", "check", sys.argv[1], "--policy", "builtin:baseline"]
from checker.__main__ import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(seen), file=sys.stderr)
"""


def test_a_one_file_check_starts_without_a_collection_then_collects_as_usual() -> None:
    job = REPO / "examples" / "passing" / "get-response.json"
    done = subprocess.run(
        [sys.executable, "-c", WATCH, str(job)], capture_output=True, text=True, timeout=60
    )
    assert "passed" in done.stdout, done.stderr
    seen = json.loads(done.stderr.strip().splitlines()[-1])
    assert seen["collections during start-up"] == 0
    assert seen["threshold during start-up"][0] == START_UP_THRESHOLD
    assert seen["threshold after"] == seen["default"]
    assert seen["frozen"] > 10_000  # start-up's objects: modules, the policy, its validators


def test_started_changes_nothing_when_collection_was_not_deferred() -> None:
    """Library callers and the test runner keep their own collector settings."""
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    started()
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
