"""The selected candidate in detail: a large depiction, its numbers and its measurement history.

The history is every row behind the score (edits, undos, imports, oracle calls), oldest first, so a
lab user can see what was typed, when, and what it replaced. The picture is the domain's depiction
(depiction.py) at a larger size: a molecule drawing, the coloured sequence, or the image itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer_app.core.records import CandidateRecord, MeasurementRecord
from designer_app.gui.depiction import DepictionCache

LARGE = 260
HISTORY_COLUMNS = ("#", "Value", "Status", "Source", "Note", "Time", "Replaces")


def _fmt(v: float | None, digits: int = 5) -> str:
    return "—" if v is None else f"{v:.{digits}g}"


class DetailView(QWidget):
    """Shows one candidate; `show_candidate` is called on selection and on every refresh."""

    def __init__(self, depictions: DepictionCache | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.depictions = depictions
        self.record: CandidateRecord | None = None
        layout = QVBoxLayout(self)
        self.title = QLabel("Select a candidate")
        self.title.setStyleSheet("font-weight: bold; font-size: 13pt")
        self.picture = QLabel()
        self.picture.setFixedSize(LARGE, LARGE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("background: white; border: 1px solid #ccc")
        self.item = QLabel()
        self.item.setWordWrap(True)
        self.item.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for name in ("Score", "Status", "Replicates", "Predicted", "Acquisition", "Source", "Note"):
            label = QLabel("—")
            label.setWordWrap(True)
            self.fields[name] = label
            form.addRow(name + ":", label)
        self.history = QTableWidget(0, len(HISTORY_COLUMNS))
        self.history.setHorizontalHeaderLabels(HISTORY_COLUMNS)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.verticalHeader().setVisible(False)
        self.history.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.title)
        layout.addWidget(self.picture, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.item)
        layout.addLayout(form)
        layout.addWidget(QLabel("Measurement history (append-only):"))
        layout.addWidget(self.history, 1)
        if depictions is not None:
            depictions.ready.connect(self._update_picture)

    def clear(self) -> None:
        self.record = None
        self.title.setText("Select a candidate")
        self.item.clear()
        self.picture.clear()
        for label in self.fields.values():
            label.setText("—")
        self.history.setRowCount(0)

    def show_candidate(self, c: CandidateRecord, status: str, history: Sequence[MeasurementRecord]) -> None:
        self.record = c
        self.title.setText(f"Candidate {c.id} · round {c.round}")
        self.item.setText(c.item or "(not decoded)")
        self.fields["Score"].setText(_fmt(c.score) + (f" (spread {_fmt(c.score_spread, 3)})" if c.score_spread else ""))
        self.fields["Status"].setText(
            status
            + (f" — {c.reason}" if c.reason else "")
            + (f" — same as candidate {c.duplicate_of}" if c.duplicate_of else "")
        )
        self.fields["Replicates"].setText(str(c.n_replicates))
        self.fields["Predicted"].setText(
            "—" if c.predicted_mean is None else f"{_fmt(c.predicted_mean, 4)} ± {_fmt(c.predicted_std, 3)}"
        )
        self.fields["Acquisition"].setText(_fmt(c.acquisition, 4))
        self.fields["Source"].setText(c.source)
        self.fields["Note"].setText(history[-1].note if history and history[-1].note else "—")
        self.history.setRowCount(len(history))
        for row, m in enumerate(history):
            cells = (
                str(m.id),
                _fmt(m.value),
                m.status,
                m.source,
                m.note,
                m.created_at.replace("T", " ")[:19],
                "" if m.replaces is None else f"#{m.replaces}",
            )
            for col, text in enumerate(cells):
                self.history.setItem(row, col, QTableWidgetItem(text))
        self.history.resizeColumnsToContents()
        self._update_picture()

    def _update_picture(self) -> None:
        pixmap = None
        if self.record is not None and self.depictions is not None:
            pixmap = self.depictions.pixmap(self.record.item, LARGE)
        if pixmap is not None:
            self.picture.setPixmap(pixmap)
            return
        self.picture.clear()
        if self.record is not None and self.depictions is not None and self.record.item:
            done = self.depictions.attempted(self.record.item, LARGE)
            self.picture.setText("(no drawing for this item)" if done else "(drawing…)")
