"""Roll a campaign back to the start of a round, keeping every measurement.

Rolling back round N (and with it every later round, whose proposals came from N's model):
  * the rounds' models (reward and fine-tuned denoiser checkpoints) are flagged `discarded_at`; their
    files move to `checkpoints/discarded/`, so a re-run can write fresh ones under the usual names and
    the old ones stay available for inspection;
  * the rounds' proposals that were never measured (no measurement row at all: not sent to the lab)
    are flagged `discarded_at`; candidates with any measurement — ok, failed, or pending in the lab —
    and the user's own candidates stay, as does every measurement row (the append-only triggers are
    untouched);
  * each round goes back to status `proposed`, with `rollbacks` counted in its metrics. The next
    `run` refills it to its batch size with fresh proposals (another seed) from the previous round's
    model, scores them, refits on all measurements and fine-tunes again.

Crash safety: the file moves are hard links made before the one transaction that flags the rows and
rewrites their paths; the old names are unlinked after the commit. A crash at any point leaves either the
old state (plus a stray link in discarded/) or the new one, never rows pointing at missing files.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from designer_app import faults
from designer_app.core.records import PROPOSED
from designer_app.store.campaign_store import CampaignStore, StoreError, now
from designer_app.store.files import inside

DISCARDED_DIR = "checkpoints/discarded"


@dataclass(frozen=True)
class RollbackReport:
    """What a rollback did.

    Attributes:
        rounds: the rounds rolled back (N and every later one).
        discarded_candidates: unmeasured proposals flagged as discarded.
        kept_candidates: candidates of those rounds kept because they have measurements (or are the user's).
        discarded_checkpoints: paths (inside the campaign folder) the discarded models now live at.
    """

    rounds: list[int]
    discarded_candidates: int
    kept_candidates: int
    discarded_checkpoints: list[str]


def rollback(store: CampaignStore, round_index: int | None = None) -> RollbackReport:
    """Roll back round `round_index` (default: the latest round) and every later round.

    Raises:
        StoreError: the campaign has no such round (the message lists the rounds there are).
    """
    rounds = store.rounds()
    if not rounds:
        raise StoreError("the campaign has no round yet; there is nothing to roll back")
    latest = rounds[-1].index
    target = latest if round_index is None else round_index
    if not any(r.index == target for r in rounds):
        raise StoreError(f"round {target} does not exist; this campaign has rounds 1..{latest}")
    affected = [r for r in rounds if r.index >= target]
    indexes = [r.index for r in affected]
    marks = ",".join("?" * len(indexes))
    checkpoints = list(
        store.db.query(
            f"SELECT id, path FROM checkpoints WHERE round IN ({marks}) AND discarded_at IS NULL ORDER BY id", indexes
        )
    )
    moves = [(c["id"], c["path"], _discarded_name(c["id"], c["path"])) for c in checkpoints]
    for _, old, new in moves:
        _link(store.folder, old, new)
    stamp = now()
    with store.db.atomic():
        # Unmeasured proposals only: a pending row means the lab has the sample, so it stays.
        discarded = store.db.execute(
            f"UPDATE candidates SET discarded_at = ? WHERE round IN ({marks}) AND discarded_at IS NULL "
            "AND source != 'user' AND NOT EXISTS (SELECT 1 FROM measurements m WHERE m.candidate_id = candidates.id)",
            [stamp, *indexes],
        ).rowcount
        for cid, _, new in moves:
            store.db.execute("UPDATE checkpoints SET discarded_at = ?, path = ? WHERE id = ?", [stamp, new, cid])
        for r in affected:
            metrics = {k: v for k, v in r.metrics.items() if k != "kl_to_prior"}  # described the discarded model
            metrics["rollbacks"] = int(metrics.get("rollbacks", 0)) + 1
            store.db.table("rounds").update(
                r.index, {"status": PROPOSED, "updated_at": stamp, "metrics_json": json.dumps(metrics)}
            )
        faults.point("commit:rollback")
    faults.point("committed:rollback")
    for _, old, _ in moves:
        _unlink(store.folder, old)
    kept = store.db.execute(
        f"SELECT COUNT(*) FROM candidates WHERE round IN ({marks}) AND discarded_at IS NULL", indexes
    ).fetchone()[0]
    report = RollbackReport(indexes, discarded, kept, [new for _, _, new in moves])
    store.log_event(
        target,
        "RoundRolledBack",
        {
            "rounds": indexes,
            "discarded_candidates": discarded,
            "kept_candidates": kept,
            "discarded_checkpoints": report.discarded_checkpoints,
        },
    )
    return report


def _discarded_name(checkpoint_id: int, path: str) -> str:
    # The id makes the name unique even when a round is rolled back several times.
    name = Path(path).name
    return f"{DISCARDED_DIR}/{Path(name).stem}.id{checkpoint_id}{Path(name).suffix}"


def _link(folder: Path, old: str, new: str) -> None:
    source, target = inside(folder, old), inside(folder, new)
    if not source.is_file():
        return  # moved by an earlier, interrupted rollback whose commit did land; nothing to keep
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)  # a link left by an interrupted attempt
    try:
        os.link(source, target)
    except OSError:  # file systems without hard links
        shutil.copy2(source, target)


def _unlink(folder: Path, old: str) -> None:
    try:
        inside(folder, old).unlink(missing_ok=True)
    except OSError:
        pass  # a leftover file is harmless: the next fine-tune of the round replaces it atomically
