"""Campaign folders written by the previous release (tests/fixtures/campaigns_v0_1, made before the registries,
the models/pretraining split and config schema 2) open, report, export and run unchanged."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from designer_app.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "campaigns_v0_1"


@pytest.fixture
def old_home(tmp_path) -> Path:
    """A data home holding copies of the old campaigns (the fixtures stay untouched)."""
    home = tmp_path / "home"
    for name in ("old-dna", "old-lab"):
        shutil.copytree(FIXTURES / name, home / "campaigns" / name)
    return home


def _cli(home: Path, *args: str) -> None:
    assert main(["--home", str(home), *args]) == 0


@pytest.mark.parametrize("name", ["old-dna", "old-lab"])
def test_status_and_export_are_what_the_old_version_wrote(old_home, tmp_path, capsys, name):
    capsys.readouterr()
    _cli(old_home, "status", name, "--json")
    # every figure the old version reported is reported the same (newer figures may be added beside them)
    assert _subset(
        json.loads((FIXTURES / "expected" / f"{name}.status.json").read_text()), json.loads(capsys.readouterr().out)
    )
    _cli(old_home, "export", name, str(tmp_path / "out.csv"))
    assert (tmp_path / "out.csv").read_text() == (FIXTURES / "expected" / f"{name}.export.csv").read_text()


def _subset(old, new) -> bool:
    """Whether `new` holds everything `old` holds, with equal values (dicts may have gained keys)."""
    if isinstance(old, dict):
        return isinstance(new, dict) and all(k in new and _subset(v, new[k]) for k, v in old.items())
    if isinstance(old, list):
        return isinstance(new, list) and len(old) == len(new) and all(map(_subset, old, new))
    return old == new


def test_subset_compares_old_figures_only():
    assert _subset({"a": [{"b": 1}]}, {"a": [{"b": 1, "c": 2}], "d": 3})
    assert not _subset({"a": [{"b": 1}]}, {"a": [{"b": 2}]}) and not _subset({"a": 1}, {})


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.slow
def test_an_old_campaign_runs_its_next_round_from_its_stored_checkpoint(old_home, tmp_path):
    _cli(old_home, "run", "old-dna")  # round 2: loads round 1's checkpoints written by the old version
    _cli(old_home, "export", "old-dna", str(tmp_path / "after.csv"))
    rows = _rows((tmp_path / "after.csv").read_text())
    expected = _rows((FIXTURES / "expected" / "old-dna.after-round-2.csv").read_text())
    assert rows[:8] == expected[:8]  # round 1 as stored
    round2 = [r for r in rows if r["round"] == "2"]
    assert len(round2) == 8 and all(r["status"] == "ok" and r["score"] for r in round2)
    assert not {r["item"] for r in round2} & {r["item"] for r in rows[:8]}  # top-up: no repeat measured
    assert [r["id"] for r in round2] == [r["id"] for r in expected[8:]]


@pytest.mark.slow
def test_an_old_lab_campaign_takes_its_scores_and_proposes_the_next_round(old_home, tmp_path, capsys):
    sheet = tmp_path / "round1.csv"
    _cli(old_home, "export", "old-lab", str(sheet), "--round", "1")
    rows = _rows(sheet.read_text())
    for i, row in enumerate(rows):
        row["score"] = str(0.1 * (i + 1))
    with sheet.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    _cli(old_home, "import-scores", "old-lab", str(sheet))
    _cli(old_home, "run", "old-lab")
    capsys.readouterr()
    _cli(old_home, "status", "old-lab", "--json")
    status = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in status["rounds"]] == ["done", "awaiting_scores"]
    assert status["best_so_far"] == pytest.approx(0.6)
