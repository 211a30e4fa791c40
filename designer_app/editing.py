"""Lab entry of scores by hand: edits and their undo, both append-only.

An edit appends a measurement that `replaces` the candidate's latest one (and with it every current
replicate, see store.scores), so the earlier values stay in the history with their time and source.
Undo appends yet another row that restores the value from before the edit, so undo is an edit too and
nothing is ever updated or deleted (the database refuses that anyway).

Which value undo restores is found by replaying the chain of measurements behind the candidate's latest
row (each row replaces the one before it): an edit row pushes a value, an undo row pops one. Only the
latest row can be undone, and only when it is an edit: a value the oracle or an imported file recorded
after an edit is never clobbered by an undo. When replicates were current before the edit, undo brings
back the latest of them (one row cannot restore several).

This module imports no Qt; the GUI's undo stack and any other front end call it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from designer_app.core.protocols import FAILED, MEASUREMENT_STATUSES, OK, PENDING, OracleResult
from designer_app.core.records import MeasurementRecord
from designer_app.store import CampaignStore

EDIT_SOURCE = "edit"
UNDO_SOURCE = "undo"

# Words a lab user may type in a score cell instead of a number.
_STATUS_WORDS = {"failed": FAILED, "fail": FAILED, "f": FAILED, "pending": PENDING, "p": PENDING, "": PENDING}


class EditError(ValueError):
    """An edit cannot be stored; the message says what to change."""


@dataclass(frozen=True)
class ScoreEdit:
    """One score typed by the user.

    Attributes:
        candidate_id: the candidate as shown (a duplicate's edit goes to its original).
        value: the score; None for failed or pending.
        status: "ok", "failed" or "pending".
        note: free text stored with the measurement.
    """

    candidate_id: int
    value: float | None
    status: str = OK
    note: str = ""


def parse_score_text(text: str) -> tuple[float | None, str]:
    """What a typed or pasted cell means: a number (decimal comma accepted, as spreadsheets in many
    locales write it) is an ok score; "failed"/"f" a failed measurement; "" or "pending" no score yet.

    Raises:
        EditError: the text is neither a number nor one of those words.
    """
    cleaned = text.strip().lower()
    if cleaned in _STATUS_WORDS:
        return None, _STATUS_WORDS[cleaned]
    try:
        if cleaned.count(",") == 1 and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
        value = float(cleaned)
    except ValueError:
        raise EditError(f"'{text.strip()}' is not a score; type a number, 'failed', or leave it empty") from None
    if not math.isfinite(value):
        raise EditError(f"'{text.strip()}' is not a finite number; type a number or 'failed'")
    return value, OK


def edit_score(store: CampaignStore, candidate_id: int, value: float | None, status: str = OK, note: str = "") -> int:
    """Store a hand-entered score for one candidate; returns the new measurement's id.

    The row replaces the candidate's current measurements (replicates included), so the score shown
    afterwards is `value` and the old ones stay in the history.

    Raises:
        EditError: unknown or infeasible candidate, unknown status, or value and status disagree.
    """
    return edit_scores(store, [ScoreEdit(candidate_id, value, status, note)])[0]


def edit_scores(store: CampaignStore, edits: Sequence[ScoreEdit]) -> list[int]:
    """Store several edits in one transaction (a pasted column): all land or none do. When two edits
    reach the same original candidate (two duplicates of it), the last one wins."""
    candidates = {c.id: c for c in store.candidates()}
    planned: dict[int, ScoreEdit] = {}
    for edit in edits:
        target = _target(candidates, edit.candidate_id)
        _check(edit)
        planned[target] = edit
    heads = {target: _latest_head(store.measurements(target)) for target in planned}
    ids = store.record_measurements(  # one transaction for the whole batch
        [(target, OracleResult(e.value, e.status, e.note)) for target, e in planned.items()],
        source=EDIT_SOURCE,
        replaces={t: h.id for t, h in heads.items() if h is not None},
    )
    by_target = dict(zip(planned, ids))
    return [by_target[_target(candidates, e.candidate_id)] for e in edits]


def undo_edit(store: CampaignStore, candidate_id: int) -> bool:
    """Undo the latest hand edit of a candidate by appending a row that restores the value before it
    (or marks it pending again when it had none). Returns False when the candidate's current value
    does not come from an edit (nothing to undo, or the oracle / an import wrote after the edit)."""
    candidates = {c.id: c for c in store.candidates()}
    target = _target(candidates, candidate_id, check_feasible=False)
    rows = store.measurements(target)
    if not rows:
        return False
    head = max(rows, key=lambda r: r.id)
    stack = _replay(_chain(head, {r.id: r for r in rows}))
    if not stack or stack[-1].source != EDIT_SOURCE:
        return False
    before = stack[-2] if len(stack) > 1 else None
    restored = (
        OracleResult(before.value, before.status, f"undo of edit #{stack[-1].id}")
        if before
        else OracleResult(None, PENDING, f"undo of edit #{stack[-1].id}")
    )
    store.record_measurements([(target, restored)], source=UNDO_SOURCE, replaces={target: head.id})
    return True


def history(store: CampaignStore, candidate_id: int) -> list[MeasurementRecord]:
    """Every measurement row behind a candidate's score (its original's, for a duplicate), oldest first."""
    candidates = {c.id: c for c in store.candidates()}
    return store.measurements(_target(candidates, candidate_id, check_feasible=False))


# ---- helpers -----------------------------------------------------------------------------------
def _target(candidates: dict, candidate_id: int, check_feasible: bool = True) -> int:
    """The candidate whose measurements hold the score: duplicates share their original's."""
    cand = candidates.get(candidate_id)
    if cand is None:
        raise EditError(f"candidate {candidate_id} does not exist in this campaign")
    if check_feasible and (not cand.feasible or not cand.item):
        raise EditError(
            f"candidate {candidate_id} is infeasible ({cand.reason or 'no valid item'}); it cannot be scored"
        )
    return cand.duplicate_of or cand.id


def _check(edit: ScoreEdit) -> None:
    if edit.status not in MEASUREMENT_STATUSES:
        raise EditError(f"status '{edit.status}' is unknown; use one of {', '.join(MEASUREMENT_STATUSES)}")
    if edit.status == OK and (edit.value is None or not math.isfinite(edit.value)):
        raise EditError(f"candidate {edit.candidate_id}: an ok score needs a finite number")
    if edit.status != OK and edit.value is not None:
        raise EditError(f"candidate {edit.candidate_id}: a {edit.status} measurement carries no score; leave it empty")


def _latest_head(rows: Sequence[MeasurementRecord]) -> MeasurementRecord | None:
    """The latest row: what an edit names as the row it corrects."""
    return max(rows, key=lambda r: r.id) if rows else None


def _chain(head: MeasurementRecord, by_id: dict[int, MeasurementRecord]) -> list[MeasurementRecord]:
    """The rows `head` transitively replaces, oldest first."""
    chain, row, seen = [], head, set()
    while row is not None and row.id not in seen:  # `seen` guards against a corrupt cycle
        seen.add(row.id)
        chain.append(row)
        row = by_id.get(row.replaces) if row.replaces is not None else None
    return chain[::-1]


def _replay(chain: Sequence[MeasurementRecord]) -> list[MeasurementRecord]:
    """Values in force after each row: edits and other rows push, undo rows pop."""
    stack: list[MeasurementRecord] = []
    for row in chain:
        if row.source == UNDO_SOURCE:
            if stack:
                stack.pop()
        else:
            stack.append(row)
    return stack
