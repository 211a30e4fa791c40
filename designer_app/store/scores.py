"""A candidate's effective score from its append-only measurement rows.

Rows are never changed, so "the" score is derived. A row with `replaces` set (an edit, an undo, an
imported re-measurement) supersedes every earlier row of its candidate — replicates included, since
"the score is now 0.7" means exactly that — and names the row it corrected for the audit trail and
undo. Rows without `replaces` that come after it are replicates of it. The current rows are therefore
the last replacing row and everything after it (all rows when nothing was replaced). Several current ok
rows are averaged; their spread and sample standard deviation are reported so that the user sees how
well the replicates agree.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from designer_app.core.protocols import FAILED, OK, PENDING


@dataclass(frozen=True)
class EffectiveScore:
    """What a candidate's current measurements say.

    Attributes:
        value: mean of the current ok values; None when there is none.
        status: "ok" (a value, or ok without value = infeasible per the oracle), "failed" (the only
            current rows are failed ones: synthesis or assay failed, oracle error) or "pending".
        n_replicates: how many current ok values the mean averages.
        spread: max - min of the replicates (None for fewer than two).
        sd: sample standard deviation of the replicates (None for fewer than two).
        n_failed: current failed rows (a failed replicate next to ok ones still counts here, so a
            feasibility signal is not hidden by the successful repeats).
    """

    value: float | None
    status: str
    n_replicates: int = 0
    spread: float | None = None
    sd: float | None = None
    n_failed: int = 0


def effective_scores(rows: Iterable[Mapping]) -> dict[int, EffectiveScore]:
    """candidate id -> EffectiveScore, from rows with id, candidate_id, value, status, replaces."""
    by_candidate: dict[int, list[Mapping]] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        by_candidate.setdefault(r["candidate_id"], []).append(r)
    return {cid: _summarise(current_rows(rs)) for cid, rs in by_candidate.items()}


def current_rows(rows: list) -> list:
    """The rows of one candidate (sorted by id; dicts or MeasurementRecords) that make its score."""

    def replaces(r):
        return r["replaces"] if isinstance(r, Mapping) else r.replaces

    last = max((i for i, r in enumerate(rows) if replaces(r) is not None), default=0)
    return rows[last:]


def _summarise(rows: list[Mapping]) -> EffectiveScore:
    values = [float(r["value"]) for r in rows if r["status"] == OK and r["value"] is not None]
    values = [v for v in values if math.isfinite(v)]
    n_failed = sum(1 for r in rows if r["status"] == FAILED)
    if values:
        many = len(values) > 1
        return EffectiveScore(
            value=sum(values) / len(values),
            status=OK,
            n_replicates=len(values),
            spread=(max(values) - min(values)) if many else None,
            sd=statistics.stdev(values) if many else None,
            n_failed=n_failed,
        )
    if n_failed:
        return EffectiveScore(None, FAILED, n_failed=n_failed)
    if any(r["status"] == OK for r in rows):  # ok without a value: the oracle judged it infeasible
        return EffectiveScore(None, OK)
    return EffectiveScore(None, PENDING)


INCIDENT_KINDS = ("OracleCallFailed", "OracleItemsFailed", "OracleRetry", "OracleGaveUp")


def lab_summary(store, data: dict) -> dict:
    """Add the lab-data view to a `status --json` dict (in place; also returned):

    per round: n_pending (feasible, no result yet: sent to the lab or never measured), n_failed (failed
    measurements: a feasibility signal), n_replicated (candidates with two or more replicates), max_score_sd,
    n_discarded (proposals a rollback discarded), rollbacks; and at the top: n_user_candidates,
    oracle_incidents (the latest failed calls, retries and timeouts from the event log) and warning (why the
    campaign was opened read-only, if it was).
    """
    live = store.candidates(with_latents=False)
    everyone = store.candidates(include_discarded=True, with_latents=False)
    scores = store.effective_scores()
    live_ids = {c.id for c in live}
    rounds = {r.index: r for r in store.rounds()}
    for r in data.get("rounds", []):
        mine = [c for c in live if c.round == r["index"] and c.duplicate_of is None]
        effs = [scores.get(c.id) for c in mine]
        sds = [e.sd for e in effs if e is not None and e.sd is not None]
        # awaiting a result: marked pending, or never measured (what export lists as "pending")
        r["n_pending"] = sum(1 for c in mine if c.awaits_score)
        r["n_failed"] = sum(1 for c in mine if c.score_status == FAILED)
        r["n_replicated"] = sum(1 for e in effs if e is not None and e.n_replicates > 1)
        r["max_score_sd"] = max(sds) if sds else None
        r["n_discarded"] = sum(1 for c in everyone if c.round == r["index"] and c.id not in live_ids)
        record = rounds.get(r["index"])
        r["rollbacks"] = int(record.metrics.get("rollbacks", 0)) if record else 0
    data["n_user_candidates"] = sum(1 for c in live if c.source == "user")
    marks = ",".join("?" * len(INCIDENT_KINDS))
    data["n_oracle_incidents"] = store.db.execute(
        f"SELECT COUNT(*) FROM events WHERE kind IN ({marks})", INCIDENT_KINDS
    ).fetchone()[0]
    latest = store.db.query(f"SELECT * FROM events WHERE kind IN ({marks}) ORDER BY id DESC LIMIT 10", INCIDENT_KINDS)
    data["oracle_incidents"] = [
        {"round": e["round"], "kind": e["kind"], "at": e["created_at"], **json.loads(e["payload_json"])}
        for e in list(latest)[::-1]
    ]
    data["warning"] = getattr(store, "warning", None)
    return data
