"""Effective scores from append-only rows (replicates, replacements) and rolling a round back: flags, not
deletes, so every measurement survives, and a crash inside the rollback leaves the old or the new state."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save

from designer_app import faults
from designer_app.atomic import sha256_file
from designer_app.core.protocols import OracleResult
from designer_app.core.records import NewCandidate
from designer_app.store import CampaignStore, StoreError, rollback
from designer_app.store.scores import effective_scores

ROOT = Path(__file__).resolve().parents[2]


def _rows(*specs):
    """(id, candidate, value, status, replaces) -> row dicts."""
    return [dict(zip(("id", "candidate_id", "value", "status", "replaces"), s)) for s in specs]


def test_replicates_average_and_a_replacement_supersedes_them_all():
    scores = effective_scores(_rows((1, 7, 0.2, "ok", None), (2, 7, 0.4, "ok", None), (3, 7, 0.9, "ok", None)))
    assert scores[7].value == pytest.approx(0.5) and scores[7].n_replicates == 3
    assert scores[7].sd == pytest.approx(statistics.stdev([0.2, 0.4, 0.9])) and scores[7].spread == pytest.approx(0.7)
    replaced = effective_scores(
        _rows((1, 7, 0.2, "ok", None), (2, 7, 0.4, "ok", None), (3, 7, 0.8, "ok", 2), (4, 7, 0.6, "ok", None))
    )
    assert replaced[7].value == pytest.approx(0.7) and replaced[7].n_replicates == 2  # 0.8 and its replicate 0.6


def test_failed_replicate_is_counted_next_to_ok_ones():
    scores = effective_scores(
        _rows(
            (1, 3, None, "failed", None),
            (2, 3, 0.5, "ok", None),
            (3, 4, None, "failed", None),
            (4, 5, None, "pending", None),
        )
    )
    assert (scores[3].status, scores[3].value, scores[3].n_failed) == ("ok", 0.5, 1)
    assert (scores[4].status, scores[5].status) == ("failed", "pending")


def _weights(path: Path, fill: float) -> Path:
    path.write_bytes(save({"w": np.full(4, fill, dtype=np.float32)}))
    return path


@pytest.fixture
def store(tmp_path):
    s = CampaignStore.create(tmp_path / "c", "c", "molecules", {"name": "c"})
    s.add_round(
        1,
        4,
        [
            NewCandidate("CCO", "CCO", True),
            NewCandidate("CCN", "CCN", True),
            NewCandidate("CCC", "CCC", True),
            NewCandidate(None, "", False, "decoding failed"),
        ],
        None,
        0.1,
    )
    s.add_candidates(1, [NewCandidate("CCCl", "CCCl", True, source="user")])
    s.record_measurements([(1, OracleResult(0.3)), (2, OracleResult(None, "pending", "at the CRO"))], "import:a.csv")
    ckpt = s.folder / "checkpoints"
    s.add_checkpoint(1, "reward", _weights(ckpt / "round_001_reward.safetensors", 1.0), round_status="fitted")
    s.add_checkpoint(1, "denoiser", _weights(ckpt / "round_001_denoiser.safetensors", 2.0), round_status="finetuned")
    s.add_round_metrics(1, {"kl_to_prior": 0.5})
    s.set_status(1, "done")
    s.add_round(2, 2, [NewCandidate("CCO", "CCO", True), NewCandidate("OCO", "OCO", True)], 2, 0.1)
    yield s
    s.close()


def test_rollback_flags_and_keeps_every_measurement(store):
    before = store.measurements()
    digests = {c.id: c.sha256 for c in store.checkpoints()}
    report = rollback(store, 1)
    assert report.rounds == [1, 2]
    # round 1: CCC and the infeasible one had no measurement; round 2: both unmeasured (CCO is a duplicate)
    assert report.discarded_candidates == 4 and report.kept_candidates == 3
    assert store.measurements() == before
    assert [c.item for c in store.candidates()] == ["CCO", "CCN", "CCCl"]
    assert len(store.candidates(include_discarded=True)) == 7
    assert store.checkpoints() == [] and store.latest_checkpoint("denoiser") is None
    for c in store.checkpoints(include_discarded=True):
        assert c.path.startswith("checkpoints/discarded/") and sha256_file(store.folder / c.path) == digests[c.id]
    assert not (store.folder / "checkpoints" / "round_001_reward.safetensors").exists()
    r1, r2 = store.round(1), store.round(2)
    assert (r1.status, r1.metrics) == ("proposed", {"rollbacks": 1})
    assert r2.status == "proposed" and r2.metrics["rollbacks"] == 1
    assert [e["kind"] for e in store.events()] == ["RoundRolledBack"]


def test_a_discarded_item_proposed_again_is_no_duplicate_and_a_late_score_revives_it(store):
    rollback(store, 2)
    new_id = store.add_candidates(2, [NewCandidate("OCO", "OCO", True)])[0]
    assert next(c for c in store.candidates() if c.id == new_id).duplicate_of is None
    discarded = next(c for c in store.candidates(include_discarded=True) if c.item == "OCO" and c.id != new_id)
    store.record_measurements([(discarded.id, OracleResult(0.8))], "import:late.csv")  # the lab had it after all
    assert discarded.id in {c.id for c in store.candidates()}


def test_rollback_of_a_round_that_does_not_exist(store):
    with pytest.raises(StoreError, match="round 5 does not exist; this campaign has rounds 1..2"):
        rollback(store, 5)


@pytest.mark.parametrize("point, rolled_back", [("commit:rollback", False), ("committed:rollback", True)])
def test_a_kill_inside_the_rollback_leaves_a_usable_state(store, point, rolled_back):
    folder = store.folder
    store.close()
    code = f"""
        from designer_app.store import CampaignStore, rollback
        rollback(CampaignStore.open({str(folder)!r}), 1)
    """
    env = {**os.environ, faults.ENV_FAULT: point, "PYTHONPATH": str(ROOT)}
    assert (
        subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, timeout=60).returncode == -signal.SIGKILL
    )
    again = CampaignStore.open(folder)
    assert len(again.measurements()) == 2
    assert again.round(1).status == ("proposed" if rolled_back else "done")
    for record in again.checkpoints(include_discarded=True):  # every row names an intact file
        assert sha256_file(folder / record.path) == record.sha256
    if not rolled_back:
        report = rollback(again, 1)  # and the rollback can simply be done again
        assert report.discarded_candidates == 4
    again.close()
