""".pre-commit-hooks.yaml: valid, and the hooks behave as documented under the real pre-commit.

`pre-commit try-repo` builds the hook's virtualenv from this checkout (pip installs the project
and its dependencies from the package index), so the first test here takes tens of seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from helpers.jobs import GOOD_JOB, make_document
from helpers.paths import REPO, schema_file

MANIFEST = REPO / ".pre-commit-hooks.yaml"
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def test_manifest_is_valid_per_the_schema() -> None:
    schema = json.loads(schema_file("pre-commit-hooks.json").read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(MANIFEST.read_text(encoding="utf-8")), schema)


def test_manifest_passes_pre_commit_validate_manifest() -> None:
    done = subprocess.run(
        [*PRE_COMMIT, "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment for the module: try-repo builds it once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _try_repo(repo: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [*PRE_COMMIT, "try-repo", str(REPO), hook, "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A git repository with a good job, a bad job and unrelated JSON, YAML and Terraform."""
    repo = tmp_path / "user-repo"
    (repo / "jobs").mkdir(parents=True)
    (repo / "jobs" / "good.json").write_text(json.dumps(GOOD_JOB, indent=2), encoding="utf-8")
    bad = make_document(outputModelKmsKeyArn=None)
    del bad["outputModelKmsKeyArn"]
    (repo / "jobs" / "bad.json").write_text(json.dumps(bad, indent=2), encoding="utf-8")
    (repo / "package.json").write_text('{"name": "web", "version": "1.0.0"}\n', encoding="utf-8")
    (repo / ".gitlab-ci.yml").write_text("test:\n  script: [make test]\n", encoding="utf-8")
    (repo / "chart.yaml").write_text("name: {{ .Values.name }}\n", encoding="utf-8")
    (repo / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    return repo


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_hook_fails_on_the_bad_job_only_with_file_and_line(
    user_repo: Path, pre_commit_home: Path
) -> None:
    done = _try_repo(user_repo, "bedrock-checker", pre_commit_home)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "jobs/bad.json:1: BMC003 error:" in output
    assert "jobs/good.json" not in output  # checked and passed: --quiet leaves it out
    # pre-commit may split the files into batches, each with its own summary line.
    summaries = re.findall(r"(\d+) jobs? checked: (\d+) passed, (\d+) failed", output)
    assert [sum(int(row[i]) for row in summaries) for i in range(3)] == [2, 1, 1], output
    for unrelated in ("package.json", ".gitlab-ci.yml", "chart.yaml", "main.tf"):
        assert f"{unrelated}:" not in output, output


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_hook_passes_when_the_bad_job_is_fixed(user_repo: Path, pre_commit_home: Path) -> None:
    (user_repo / "jobs" / "bad.json").unlink()
    _git(user_repo, "add", "-A")
    done = _try_repo(user_repo, "bedrock-checker", pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_policy_hook_validates_policy_and_waiver_files(
    user_repo: Path, pre_commit_home: Path
) -> None:
    policies = user_repo / "policies"
    policies.mkdir()
    template = subprocess.run(
        [sys.executable, "-m", "checker", "policy", "init"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (policies / "org.yaml").write_text(template, encoding="utf-8")
    (policies / "waivers.yaml").write_text(
        "waivers:\n  - rule: BMC002\n    jobs: [legacy-*]\n    reason: single AZ until Q3\n"
        "    expires: 2030-01-01\n",
        encoding="utf-8",
    )
    _git(user_repo, "add", ".")
    assert _try_repo(user_repo, "bedrock-checker-policy", pre_commit_home).returncode == 0

    (policies / "org.yaml").write_text(template.replace("glob:", "globb:", 1), encoding="utf-8")
    _git(user_repo, "add", ".")
    done = _try_repo(user_repo, "bedrock-checker-policy", pre_commit_home)
    assert done.returncode == 1, done.stdout + done.stderr  # pre-commit's code for a failed hook
    assert "policies/org.yaml:" in done.stdout + done.stderr
    assert "unknown rule" in done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_policy_test_hook_runs_the_tests_when_a_policy_changes(
    user_repo: Path, pre_commit_home: Path
) -> None:
    init = subprocess.run(
        [sys.executable, "-m", "checker", "policy", "init", str(user_repo / "policies")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    _git(user_repo, "add", ".")
    done = _try_repo(user_repo, "bedrock-checker-policy-test", pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr  # pre-commit hides a passing output

    # Approving every region breaks the test that expects a job in ap-southeast-2 to fail.
    org = user_repo / "policies" / "org.yaml"
    text = org.read_text(encoding="utf-8")
    org.write_text(text.replace('["us-east-1", "eu-west-1"]', '["*"]'), encoding="utf-8")
    _git(user_repo, "add", ".")
    done = _try_repo(user_repo, "bedrock-checker-policy-test", pre_commit_home)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert re.search(r"FAIL  policies/org\.test\.yaml:\d+: a job in an unapproved region", output)
    assert "ORG001: expected fail on derived.region, got pass" in output
