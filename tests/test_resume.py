"""Kill `designer-app run` with SIGKILL mid-round, run it again: nothing lost, nothing duplicated."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import TINY_SETTINGS
from designer_app.cli import main
from designer_app.store import CampaignStore, campaign_dir
from designer_app.store.files import sha256_file

ORACLE = '''
import time
def score(items):
    time.sleep(0.1 * len(items))  # slow enough that a kill lands inside the oracle call
    return [len(s) / 50 for s in items]
'''


def _new(home, name, oracle_file, prior):
    assert main(["--home", str(home), "new", name, "--oracle", f"python:{oracle_file}:score", "--prior", str(prior),
                 "--rounds", "3", "--batch-size", "8", "--method", "seiko-ucb", *TINY_SETTINGS]) == 0


def _run_until(home, name, marker: str, delay: float) -> None:
    """Start `run` in a child process, SIGKILL it `delay` s after `marker` appears in its output."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "designer_app", "--home", str(home), "run", name],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        for line in proc.stdout:
            if marker in line:
                time.sleep(delay)
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()


@pytest.mark.slow
def test_sigkill_mid_round_then_resume(tmp_path, tiny_prior):
    oracle = tmp_path / "oracle.py"
    oracle.write_text(ORACLE)
    _new(tmp_path, "ref", oracle, tiny_prior)
    assert main(["--home", str(tmp_path), "run", "ref"]) == 0
    _new(tmp_path, "kill", oracle, tiny_prior)
    # during round 1 scoring, during round 2 fit/fine-tune, right after round 3 proposal
    _run_until(tmp_path, "kill", "CandidatesProposed round=1", 0.3)
    with CampaignStore.open(campaign_dir("kill", tmp_path)) as store:  # killed inside the oracle call
        assert store.round(1).status == "proposed" and store.measurements() == []
    for marker, delay in [("ScoresRecorded round=2", 0.0), ("CandidatesProposed round=3", 0.2)]:
        _run_until(tmp_path, "kill", marker, delay)
    assert main(["--home", str(tmp_path), "run", "kill"]) == 0

    folder = campaign_dir("kill", tmp_path)
    with sqlite3.connect(folder / "campaign.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    store, ref = CampaignStore.open(folder), CampaignStore.open(campaign_dir("ref", tmp_path))
    assert [r.status for r in store.rounds()] == ["done"] * 3
    per_candidate = {}
    for m in store.measurements():
        per_candidate[m.candidate_id] = per_candidate.get(m.candidate_id, 0) + 1
    originals = [c for c in store.candidates() if c.feasible and c.duplicate_of is None]
    assert all(per_candidate.get(c.id) == 1 for c in originals)  # none lost, none duplicated
    assert set(per_candidate) == {c.id for c in originals}
    assert len(store.measurements()) == len(ref.measurements())  # same oracle calls as uninterrupted
    for record in store.checkpoints():
        assert sha256_file(folder / record.path) == record.sha256
    assert len(store.candidates()) == 24
