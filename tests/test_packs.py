"""The built-in YAML files' parsed JSON (policies/parsed/): the same documents and key lines as
the YAML, used only while it matches the YAML's bytes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker import packs
from checker.policy import load_policy

REGENERATE = "stale: run `python -m checker.packs` and commit policies/parsed/"


@pytest.mark.parametrize("path", packs.builtin_yaml_files(), ids=lambda p: p.name)
def test_each_built_in_file_has_its_parsed_json_and_it_is_current(path: Path) -> None:
    target = packs.parsed_path(path)
    assert target.is_file(), f"{target} is missing: {REGENERATE}"
    assert target.read_text(encoding="utf-8") == packs.parsed_text(path), REGENERATE
    assert packs.parsed(path, path.read_bytes()) == packs.parse_builtin(path)


def test_the_parsed_packs_hold_what_the_yaml_holds() -> None:
    """Rules, their lines and the hyperparameter table are the same from either source."""
    baseline = packs.builtin_dir() / "baseline.yaml"
    data, lines = packs.parse_builtin(baseline)
    ready = packs.parsed(baseline, baseline.read_bytes())
    assert ready is not None
    assert ready[0]["rules"][0]["id"] == data["rules"][0]["id"] == "BMC001"
    assert ready[1]["rules.0"] == lines["rules.0"] > 1
    table = packs.builtin_dir() / "data" / "hyperparameters.yaml"
    assert packs.parsed(table, table.read_bytes()) == (packs.parse_builtin(table)[0], {})


@pytest.fixture
def copied_packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "policies"
    shutil.copytree(packs.builtin_dir(), folder)
    monkeypatch.setattr(packs, "builtin_dir", lambda: folder)
    packs.hyperparameter_families.cache_clear()
    yield folder
    packs.hyperparameter_families.cache_clear()


def test_an_edited_pack_is_read_from_its_yaml_until_parsed_again(copied_packs: Path) -> None:
    pack = copied_packs / "cost.yaml"
    text = pack.read_text(encoding="utf-8")
    first_title = load_policy(["builtin:cost"]).rules[0].title
    pack.write_text(text.replace(first_title, "Edited title", 1), encoding="utf-8")
    assert packs.parsed(pack, pack.read_bytes()) is None
    assert load_policy(["builtin:cost"]).rules[0].title == "Edited title"


def test_a_missing_or_broken_parsed_file_falls_back_to_the_yaml(copied_packs: Path) -> None:
    baseline = copied_packs / "baseline.yaml"
    packs.parsed_path(baseline).write_text("{not json", encoding="utf-8")
    table = copied_packs / "data" / "hyperparameters.yaml"
    packs.parsed_path(table).unlink()
    assert packs.parsed(baseline, baseline.read_bytes()) is None
    assert packs.parsed(table, table.read_bytes()) is None
    assert [r.id for r in load_policy(["builtin:baseline"]).rules][:2] == ["BMC001", "BMC002"]
    assert packs.hyperparameter_families() == packs.parse_builtin(table)[0]["families"]
