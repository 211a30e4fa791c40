"""Undo/redo of hand-entered scores on a QUndoStack, without ever rewriting the store.

The first application happens before the command is pushed (so a bad value is reported and nothing
lands on the stack); `redo` after an undo stores the values again as new edits, `undo` appends rows that
restore the previous values (designer_app.editing). The history in the store keeps every step.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QUndoCommand

from designer_app import editing
from designer_app.editing import ScoreEdit
from designer_app.gui.session import CampaignSession


class ScoreEditCommand(QUndoCommand):
    """Score edits of one user action (one typed cell, or one pasted column)."""

    def __init__(self, session: CampaignSession, edits: Sequence[ScoreEdit], text: str) -> None:
        super().__init__(text)
        self.session = session
        self.edits = list(edits)
        self._applied = True  # apply_edits already stored them once
        self.undo_failures: list[int] = []

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        if self.session.store is not None:
            editing.edit_scores(self.session.store, self.edits)
            self.session.refresh()

    def undo(self) -> None:
        store = self.session.store
        if store is None:
            return
        # Reverse order, once per candidate: each undo pops one edit of that candidate's chain.
        seen: set[int] = set()
        self.undo_failures = []
        for edit in reversed(self.edits):
            if edit.candidate_id in seen:
                continue
            seen.add(edit.candidate_id)
            if not editing.undo_edit(store, edit.candidate_id):
                self.undo_failures.append(edit.candidate_id)
        self.session.refresh()


def apply_edits(session: CampaignSession, stack, edits: Sequence[ScoreEdit], text: str) -> list[int]:
    """Store `edits` now and put them on the undo stack. Raises EditError (nothing stored) when one
    of them is invalid."""
    if session.store is None:
        raise editing.EditError("no campaign is open")
    ids = editing.edit_scores(session.store, edits)
    stack.push(ScoreEditCommand(session, edits, text))
    session.refresh()
    return ids
