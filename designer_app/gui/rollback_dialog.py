"""Roll back a round: choose the round, read plainly what will happen, confirm.

A rollback (store/rollback.py, the CLI's `designer-app rollback`) cannot be undone from the app: the
round's fine-tuned model and its never-measured proposals are discarded, so the dialog says exactly that
before anything happens, with the numbers it can count from the snapshot, and Cancel is the default
button (Enter must not roll back). The report that comes back after the rollback has the exact numbers;
the ones here are what the window showed when the dialog opened.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from designer_app.core.records import AWAITING, DONE
from designer_app.gui.snapshot import Snapshot

ROUND_STATUS = {DONE: "done", AWAITING: "waits for lab scores"}


@dataclass(frozen=True)
class RollbackPlan:
    """What rolling back `first` would do, as far as the snapshot tells.

    Attributes:
        first: the round chosen; it and every later round go back.
        rounds: the rounds that go back (`first` .. the latest).
        discarded: proposals of those rounds nobody measured (the store's rule: no measurement row at
            all, not added by the user); a duplicate never has a measurement of its own.
        kept: the other candidates of those rounds (measured, pending in the lab, or the user's own).
    """

    first: int
    rounds: tuple[int, ...]
    discarded: int
    kept: int


def rollback_plan(snap: Snapshot, first: int) -> RollbackPlan:
    """Count what a rollback of round `first` discards and keeps (see RollbackPlan)."""
    rounds = tuple(r.index for r in snap.rounds if r.index >= first)
    affected = [c for c in snap.candidates if c.round >= first]
    discarded = sum(
        1 for c in affected if c.source != "user" and (c.duplicate_of is not None or c.score_status == "unscored")
    )
    return RollbackPlan(first, rounds, discarded, len(affected) - discarded)


def _rounds_text(rounds: tuple[int, ...]) -> str:
    if len(rounds) == 1:
        return f"round {rounds[0]}"
    return f"rounds {rounds[0]}–{rounds[-1]}"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def plan_html(plan: RollbackPlan) -> str:
    """The explanation shown in the dialog: what goes, what stays, what happens next."""
    which = _rounds_text(plan.rounds)
    later = "" if len(plan.rounds) == 1 else f" (with every later round: they built on round {plan.first}'s model)"
    if plan.kept:
        kept = (
            f"the {_count(plan.kept, 'candidate')} of {which} with a score, a failed or pending measurement, "
            f"or added by you {'stays' if plan.kept == 1 else 'stay'}, with their scores"
        )
    else:
        kept = f"no candidate of {which} has one yet"
    before = tuple(range(1, plan.first))
    earlier = ""
    if before:
        verb = "stays as it is" if len(before) == 1 else "stay as they are"
        earlier = f" {_rounds_text(before).capitalize()} {verb}."
    items = [
        f"<b>Discarded:</b> the {_count(plan.discarded, 'proposal')} of {which} that "
        f"{'was' if plan.discarded == 1 else 'were'} never measured, and "
        f"the reward and fine-tuned models made in {which}, if any (their files are kept in "
        "<tt>checkpoints/discarded</tt> in the campaign folder).",
        f"<b>Kept: every measurement</b> — {kept}.{earlier}",
        f"<b>Then</b> Continue (or Run one round) proposes round {plan.first} again with fresh proposals, "
        "refits the reward model on all measurements and fine-tunes again.",
    ]
    bullets = "".join(f"<li>{item}</li>" for item in items)
    return (
        f"<p><b>Roll back {html.escape(which)}</b>{html.escape(later)}:</p><ul>{bullets}</ul>"
        "<p><b>This cannot be undone from the app.</b></p>"
    )


class RollbackDialog(QDialog):
    """Choose the round (default: the latest) and confirm. Accepted means: roll back `round_index()`."""

    def __init__(self, snapshot: Snapshot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Roll back round")
        self.setObjectName("rollbackDialog")
        self.snapshot = snapshot
        self.round = QComboBox()
        latest = snapshot.rounds[-1].index if snapshot.rounds else None
        for r in snapshot.rounds:
            status = ROUND_STATUS.get(r.status, "in progress")
            suffix = ", the latest" if r.index == latest else ""
            self.round.addItem(f"Round {r.index} ({status}{suffix})", r.index)
        self.round.setCurrentIndex(self.round.count() - 1)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setMinimumWidth(480)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.roll_back_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.roll_back_button.setAutoDefault(False)
        self.roll_back_button.setDefault(False)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)  # a destructive action is never one Enter away
        cancel.setFocus()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Roll back from:", self.round)
        form.addRow(self.explanation)
        form.addRow(self.buttons)
        self.round.currentIndexChanged.connect(lambda _: self._explain())
        self._explain()

    def round_index(self) -> int:
        return int(self.round.currentData())

    def plan(self) -> RollbackPlan:
        return rollback_plan(self.snapshot, self.round_index())

    def _explain(self) -> None:
        plan = self.plan()
        self.explanation.setText(plan_html(plan))
        self.roll_back_button.setText(f"Roll back {_rounds_text(plan.rounds)}")
