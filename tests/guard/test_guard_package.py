"""The deployment zip: what it holds, that it is reproducible, and that the handler runs from it."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checker.errors import CheckerError
from checker.guard.package import REQUIREMENTS, build_package

ORG_POLICY = """\
version: 1
rules:
  - id: ORG001
    title: Tag every job with its team
    severity: warning
    description: Jobs carry a team tag.
    schema:
      jobName: {type: string}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    where = tmp_path_factory.mktemp("package")
    policy = where / "org.yaml"
    policy.write_text(ORG_POLICY, encoding="utf-8")
    zip_path = where / "out" / "guard.zip"
    build_package(zip_path, [policy])
    return zip_path, policy


def test_the_zip_holds_the_handler_its_packs_and_pinned_dependencies(
    built: tuple[Path, Path],
) -> None:
    zip_path, _ = built
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        requirements = archive.read(REQUIREMENTS).decode()
    for expected in (
        "checker/guard/__init__.py",
        "checker/guard/runtime.py",
        "checker/sources/bedrock.py",
        "checker/pipeline.py",
        "checker/policies/baseline.yaml",
        "checker/policies/deep.yaml",
        "checker/policies/data/hyperparameters.yaml",
        "yaml/__init__.py",
        "cerberus/__init__.py",
        "config/org.yaml",
    ):
        assert expected in names
    assert not [n for n in names if n.startswith(("click/", "boto3/", "botocore/", "hcl2/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith((".so", ".pyc"))]
    assert "checker/cli.py" not in names and "checker/__main__.py" not in names
    assert any(n.startswith("cerberus-") and n.endswith("/METADATA") for n in names)
    pins = [line for line in requirements.splitlines() if not line.startswith("#")]
    assert pins == [
        f"PyYAML=={importlib.metadata.version('PyYAML')}",
        f"Cerberus=={importlib.metadata.version('Cerberus')}",
    ]


def test_the_zip_is_reproducible(built: tuple[Path, Path], tmp_path: Path) -> None:
    zip_path, policy = built
    again = build_package(tmp_path / "again.zip", [policy])
    assert again.path.read_bytes() == zip_path.read_bytes()
    assert again.size == zip_path.stat().st_size
    assert "config/org.yaml" in again.entries


def test_the_handler_runs_from_the_unpacked_zip(built: tuple[Path, Path], tmp_path: Path) -> None:
    zip_path, _ = built
    task_root = tmp_path / "task"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task_root)
    script = (
        "import sys, checker, yaml, cerberus\n"
        "import checker.guard\n"
        "from checker.guard.runtime import Guard\n"
        "from checker.guard.config import from_environment\n"
        "import os\n"
        "guard = Guard(from_environment(os.environ))\n"
        "print(guard.handle({'source': 'aws.s3'})['reason'])\n"
        "print(len(guard.loaded.configuration.policy.rules))\n"
        "for module in (checker, yaml, cerberus):\n"
        "    print(module.__file__.startswith(os.getcwd()))\n"
        "print('click' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(task_root),
        "POLICIES": "builtin:baseline config/org.yaml",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        # -S: no site-packages, so a dependency missing from the zip fails here.
        [sys.executable, "-S", "-c", script],
        cwd=task_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert lines[-6:] == [
        "source 'aws.s3' is not aws.bedrock",
        "12",  # the baseline's eleven rules and ORG001
        "True",
        "True",
        "True",
        "False",
    ]


def test_config_files_must_exist_and_not_collide(tmp_path: Path) -> None:
    with pytest.raises(CheckerError, match="no such file to bundle"):
        build_package(tmp_path / "guard.zip", [tmp_path / "missing.yaml"])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "org.yaml").write_text(ORG_POLICY, encoding="utf-8")
    with pytest.raises(CheckerError, match=r"both would be config/org\.yaml"):
        build_package(tmp_path / "guard.zip", [tmp_path / "a/org.yaml", tmp_path / "b/org.yaml"])
    assert not (tmp_path / "guard.zip").exists()
