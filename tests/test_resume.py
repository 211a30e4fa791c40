"""Kill `designer-app run` (the real command, in its own process) with SIGKILL mid-round, run it again:
nothing lost, nothing duplicated, the same measurements as an uninterrupted run.

This is the end-to-end check of the CLI path; the many kills at every phase and fault point are done
cheaply by the fault-injection harness (tests/reliability/test_fault_injection.py)."""

import os
import signal
import sqlite3
import subprocess
import sys

import pytest
from conftest import TINY_SETTINGS

from designer_app.atomic import sha256_file
from designer_app.cli import main
from designer_app.store import CampaignStore, campaign_dir

ORACLE = """
import time
def score(items):
    time.sleep(0.05 * len(items))  # slow enough that a kill can land inside the oracle call
    return [len(s) / 50 for s in items]
"""


def _new(home, name, oracle_file, prior):
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                name,
                "--oracle",
                f"python:{oracle_file}:score",
                "--prior",
                str(prior),
                "--rounds",
                "3",
                "--batch-size",
                "8",
                "--method",
                "seiko-ucb",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )


def _kill_after(home, name, marker: str, env_extra: dict | None = None) -> int:
    """Run `designer-app run` in a child process; SIGKILL it as soon as `marker` appears in its output."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "designer_app", "--home", str(home), "run", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        for line in proc.stdout:
            if marker in line:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        code = proc.wait(timeout=120)
        proc.stdout.close()
    return code


@pytest.mark.slow
def test_sigkill_mid_round_then_resume(tmp_path, tiny_prior):
    oracle = tmp_path / "oracle.py"
    oracle.write_text(ORACLE)
    _new(tmp_path, "ref", oracle, tiny_prior)
    assert main(["--home", str(tmp_path), "run", "ref"]) == 0
    _new(tmp_path, "kill", oracle, tiny_prior)
    # killed from outside while round 2 is being scored (after round 1's fit and fine-tune were committed)
    assert _kill_after(tmp_path, "kill", "CandidatesProposed round=2") == -signal.SIGKILL
    folder = campaign_dir("kill", tmp_path)
    with CampaignStore.open(folder) as store:
        assert [r.status for r in store.rounds()] == ["done", "proposed"]
        n_round_one = len(store.measurements())
    assert main(["--home", str(tmp_path), "run", "kill"]) == 0

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
    assert len(store.measurements()) > n_round_one
    # the same measurements as the uninterrupted run: same items, values and oracle calls
    key = {c.id: c.key for c in store.candidates()}
    ref_key = {c.id: c.key for c in ref.candidates()}
    assert sorted((key[m.candidate_id], m.value, m.status) for m in store.measurements()) == sorted(
        (ref_key[m.candidate_id], m.value, m.status) for m in ref.measurements()
    )
    for record in store.checkpoints():
        assert sha256_file(folder / record.path) == record.sha256
    assert len(store.candidates()) == len(ref.candidates()) >= 24  # top-up keeps the draws' repeats as such


def test_stop_during_a_reward_fit_acts_at_once_and_the_round_resumes(tmp_path, tiny_prior, monkeypatch):
    """A fit takes up to ~25 s with real priors; Stop must not wait for it, and the round stays resumable."""
    from designer_app import campaigns, events
    from designer_app.models import diffusion_engine

    home = tmp_path / "home"
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                "fit-stop",
                "--oracle",
                "qed",
                "--prior",
                str(tiny_prior),
                "--rounds",
                "2",
                "--batch-size",
                "8",
                "--method",
                "seiko-ucb",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    state = {"fitting": False}
    real_fit = diffusion_engine.fit_ensemble

    def fit_that_notices_stop(*args, **kwargs):
        state["fitting"] = True  # Stop pressed while the fit runs
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(diffusion_engine, "fit_ensemble", fit_that_notices_stop)
    seen = list(campaigns.run("fit-stop", home, None, lambda: state["fitting"]))
    assert isinstance(seen[-1], events.Stopped) and seen[-1].status == "scored"
    assert not any(isinstance(e, events.RewardFitted) for e in seen)
    assert not list((campaign_dir("fit-stop", home) / "checkpoints").glob("*reward*"))  # nothing half-written

    monkeypatch.setattr(diffusion_engine, "fit_ensemble", real_fit)
    resumed = list(campaigns.run("fit-stop", home, None, lambda: False))
    assert isinstance(resumed[-1], events.CampaignFinished)
    assert sum(isinstance(e, events.RewardFitted) for e in resumed) == 2
    assert len(list((campaign_dir("fit-stop", home) / "checkpoints").glob("*reward*"))) == 2
