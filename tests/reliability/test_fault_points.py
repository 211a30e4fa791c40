"""The named fault points themselves: DESIGNER_APP_FAULT kills exactly where it says, and what a kill at
each point leaves behind is the old state or the new one, never half of one. Children are small Python
processes that import only the store (no torch), so each kill costs a fraction of a second."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from designer_app import faults
from designer_app.atomic import atomic_write_text
from designer_app.core.protocols import OracleResult
from designer_app.core.records import NewCandidate
from designer_app.store import CampaignStore

ROOT = Path(__file__).resolve().parents[2]


def _child(code: str, fault: str, cwd: Path) -> int:
    env = {**os.environ, faults.ENV_FAULT: fault, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=cwd, timeout=60).returncode


def _store(tmp_path: Path) -> CampaignStore:
    store = CampaignStore.create(tmp_path / "c", "c", "molecules", {"name": "c"})
    store.add_round(1, 2, [NewCandidate("CCO", "CCO", True), NewCandidate("CCN", "CCN", True)], None, 0.1)
    return store


def test_parse_spec():
    assert faults.parse_spec("a@2, b ,c@x") == {"a": 2, "b": 1, "c": 1}


def test_point_kills_only_at_the_requested_hit(monkeypatch):
    killed = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: killed.append(sig))
    monkeypatch.setenv(faults.ENV_FAULT, "x@2")
    faults.reset()
    faults.point("x")
    faults.point("y")
    assert killed == []
    faults.point("x")
    assert killed == [signal.SIGKILL]
    faults.point("x")
    assert killed == [signal.SIGKILL]  # only once
    faults.reset()


def test_kill_between_write_and_rename_keeps_the_old_file(tmp_path):
    target = tmp_path / "weights.safetensors"
    atomic_write_text(target, "old")
    code = f"""
        from designer_app.atomic import atomic_write_text
        atomic_write_text({str(target)!r}, "new")
    """
    assert _child(code, "write:before_rename", tmp_path) == -signal.SIGKILL
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # the temp file is what is left
    assert _child(code, "write:done", tmp_path) == -signal.SIGKILL  # renamed, then killed: the new file
    assert target.read_text() == "new"


@pytest.mark.parametrize("point, lands", [("commit:measurements", False), ("committed:measurements", True)])
def test_kill_inside_and_after_a_transaction(tmp_path, point, lands):
    store = _store(tmp_path)
    store.close()
    code = f"""
        from designer_app.core.protocols import OracleResult
        from designer_app.store import CampaignStore
        store = CampaignStore.open({str(tmp_path / "c")!r})
        store.record_measurements([(1, OracleResult(0.5)), (2, OracleResult(0.7))], "oracle:x",
                                  round_status=(1, "scored"))
    """
    assert _child(code, point, tmp_path) == -signal.SIGKILL
    with sqlite3.connect(tmp_path / "c" / "campaign.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = CampaignStore.open(tmp_path / "c")
    # all or nothing: both rows and the status change, or none of them
    assert len(store.measurements()) == (2 if lands else 0)
    assert store.round(1).status == ("scored" if lands else "proposed")


def test_kill_inside_an_import_stores_nothing_and_the_reimport_stores_all(tmp_path):
    store = _store(tmp_path)
    store.close()
    scores = tmp_path / "lab.csv"
    scores.write_text("id,score,status\n1,0.5,\n2,,failed\n")
    code = f"""
        from designer_app.io.score_apply import apply_scores
        from designer_app.store import CampaignStore
        apply_scores(CampaignStore.open({str(tmp_path / "c")!r}), {str(scores)!r})
    """
    assert _child(code, "commit:import", tmp_path) == -signal.SIGKILL
    assert CampaignStore.open(tmp_path / "c").measurements() == []
    assert _child(code, "", tmp_path) == 0
    assert _child(code, "", tmp_path) == 0  # importing the same file twice changes nothing
    rows = CampaignStore.open(tmp_path / "c").measurements()
    assert [(r.candidate_id, r.value, r.status) for r in rows] == [(1, 0.5, "ok"), (2, None, "failed")]


def test_stale_temp_files_are_removed_on_open(tmp_path):
    store = _store(tmp_path)
    store.close()
    stale = tmp_path / "c" / "checkpoints" / ".round_001_reward.safetensors.abc.tmp"
    stale.write_bytes(b"half a file")
    os.utime(stale, (0, 0))
    fresh = tmp_path / "c" / "checkpoints" / ".round_002_reward.safetensors.def.tmp"
    fresh.write_bytes(b"being written")
    CampaignStore.open(tmp_path / "c").close()
    assert not stale.exists() and fresh.exists()


def test_store_records_survive_a_kill_right_after_commit(tmp_path):
    store = _store(tmp_path)
    store.record_measurements([(1, OracleResult(0.1))], "oracle:x")
    store.close()
    code = f"""
        from designer_app.store import CampaignStore
        s = CampaignStore.open({str(tmp_path / "c")!r})
        s.set_status(1, "scored")
    """
    assert _child(code, "commit:status", tmp_path) == -signal.SIGKILL
    assert CampaignStore.open(tmp_path / "c").round(1).status == "proposed"
