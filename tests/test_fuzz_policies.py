"""Property-based fuzzing of policies: generated policies load or fail with CheckerError, and never
crash evaluation.

The "ci" Hypothesis profile (tests/conftest.py) keeps this bounded; for a thorough search run
``HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz_policies.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from helpers.fuzz import (
    assert_one_line,
    job_documents,
    modest_values,
    render_all,
    without_surrogates,
)
from helpers.jobs import ALL_BUILTIN, make_job
from helpers.policies import (
    policy_documents,
)
from hypothesis import event, given
from hypothesis import strategies as st

from checker.errors import CheckerError
from checker.pipeline import Configuration, run
from checker.policy import load_policy

# ---------------------------------------------------------------------------------------------
# Property 3: generated policies load or fail with CheckerError, and never crash evaluation


@given(
    policy_documents(),
    st.booleans(),
    st.lists(job_documents(modest_values), min_size=1, max_size=3),
)
def test_generated_policies_load_or_fail_cleanly(policy, with_builtin, jobs) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "fuzz.yaml")
        path.write_text(yaml.safe_dump(policy), encoding="utf-8")
        specs = [*ALL_BUILTIN, str(path)] if with_builtin else [str(path)]
        try:
            loaded = load_policy(specs)
        except CheckerError as exc:
            event("policy refused")
            assert_one_line(str(exc))
            assert str(exc).startswith(str(path)), str(exc)
            return
    event("policy loaded")
    report = run(Configuration(loaded), [make_job(without_surrogates(d)) for d in jobs])
    results = report.results
    assert len(results) == len(jobs)
    for result in results:
        assert result.error is None, result.error.message  # "could not be evaluated: ..."
    render_all(report)
