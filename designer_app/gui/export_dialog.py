"""Export top candidates: how many, above which score, from which round, as CSV or SDF.

campaigns.export ranks by true score and takes the top N; a minimum score is turned into N by counting
the candidates that reach it, so the file holds exactly the candidates at or above the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from designer_app.gui.snapshot import Snapshot

FORMATS = ("csv", "sdf")


@dataclass(frozen=True)
class ExportRequest:
    """Arguments for campaigns.export."""

    out: Path
    fmt: str
    top: int | None
    round_index: int | None


def top_for(snap: Snapshot, n: int | None, min_score: float | None, round_index: int | None) -> int | None:
    """The `top` argument that exports the best `n` candidates scoring at least `min_score`
    (None = everything, scored or not, when neither limit is given)."""
    if min_score is None:
        return n
    eligible = sum(
        1
        for c in snap.candidates
        if c.item and c.score is not None and c.duplicate_of is None and c.score >= min_score
        and (round_index is None or c.round == round_index)
    )
    return eligible if n is None else min(n, eligible)


class ExportDialog(QDialog):
    def __init__(self, snapshot: Snapshot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export top candidates")
        self.setObjectName("exportDialog")
        self.snapshot = snapshot
        self.top = QSpinBox()
        self.top.setRange(0, 10_000_000)
        self.top.setSpecialValueText("all")
        self.top.setValue(min(50, len(snapshot.candidates)))
        self.use_min = QCheckBox("Minimum score:")
        self.min_score = QDoubleSpinBox()
        self.min_score.setDecimals(4)
        self.min_score.setRange(-1e9, 1e9)
        self.min_score.setEnabled(False)
        self.use_min.toggled.connect(self.min_score.setEnabled)
        self.round = QComboBox()
        self.round.addItem("All rounds", None)
        for r in snapshot.rounds:
            self.round.addItem(f"Round {r.index}", r.index)
        self.format = QComboBox()
        self.format.addItems(list(FORMATS))
        if snapshot.config.domain != "molecules":
            self.format.model().item(1).setEnabled(False)  # SDF holds molecules only
        self.path = QLineEdit(str(snapshot.folder / "exports" / "top.csv"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.format.currentTextChanged.connect(self._fix_suffix)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e")
        self.error.setWordWrap(True)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Top N by score (all = every candidate):", self.top)
        form.addRow(self.use_min, self.min_score)
        form.addRow("Round:", self.round)
        form.addRow("Format:", self.format)
        form.addRow("File:", path_row)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        fmt = self.format.currentText()
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), f"{fmt.upper()} (*.{fmt})")
        if path:
            self.path.setText(path)

    def _fix_suffix(self, fmt: str) -> None:
        path = Path(self.path.text())
        if path.suffix.lower() in (".csv", ".sdf"):
            self.path.setText(str(path.with_suffix("." + fmt)))

    def request(self) -> ExportRequest:
        n = self.top.value() or None
        min_score = self.min_score.value() if self.use_min.isChecked() else None
        round_index = self.round.currentData()
        return ExportRequest(Path(self.path.text()).expanduser(), self.format.currentText(),
                             top_for(self.snapshot, n, min_score, round_index), round_index)

    def _accept(self) -> None:
        req = self.request()
        if not self.path.text().strip():
            self.error.setText("Choose the file to write.")
        elif req.top == 0:
            self.error.setText("No scored candidate reaches that minimum score; lower it.")
        else:
            self.accept()
