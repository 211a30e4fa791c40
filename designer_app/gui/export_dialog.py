"""Export top candidates: how many, above which score, from which round, in the domain's formats.

campaigns.export ranks by true score and takes the top N; a minimum score is turned into N by counting
the candidates that reach it, so the file holds exactly the candidates at or above the threshold.
Formats per domain (catalog.py): molecules CSV/SDF, sequences CSV/FASTA, images CSV/PNG (a folder of
PNG files with a contact sheet); one the engine does not write yet is listed but disabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
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

from designer_app.gui import catalog
from designer_app.gui.snapshot import Snapshot

FOLDER_FORMATS = ("png",)  # written as a folder, not a file: the path has no suffix


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
        if c.item
        and c.score is not None
        and c.duplicate_of is None
        and c.score >= min_score
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
        for fmt, available, tip in catalog.export_formats(snapshot.config.domain):
            self.format.addItem(fmt, fmt)
            index = self.format.count() - 1
            self.format.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
            self.format.model().item(index).setEnabled(available)
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

    def formats(self) -> dict[str, bool]:
        """Listed formats and whether each can be chosen."""
        model = self.format.model()
        return {self.format.itemData(i): model.item(i).isEnabled() for i in range(self.format.count())}

    def _browse(self) -> None:
        fmt = self.format.currentText()
        if fmt in FOLDER_FORMATS:
            path = QFileDialog.getExistingDirectory(self, "Export into folder", str(Path(self.path.text()).parent))
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), f"{fmt.upper()} (*.{fmt})")
        if path:
            self.path.setText(path)

    def _fix_suffix(self, fmt: str) -> None:
        path = Path(self.path.text())
        known = {f".{f}" for f in self.formats()}
        if path.suffix.lower() in known or (not path.suffix and path.name):
            self.path.setText(str(path.with_suffix("" if fmt in FOLDER_FORMATS else "." + fmt)))

    def request(self) -> ExportRequest:
        n = self.top.value() or None
        min_score = self.min_score.value() if self.use_min.isChecked() else None
        round_index = self.round.currentData()
        return ExportRequest(
            Path(self.path.text()).expanduser(),
            self.format.currentText(),
            top_for(self.snapshot, n, min_score, round_index),
            round_index,
        )

    def _accept(self) -> None:
        req = self.request()
        if not self.path.text().strip():
            self.error.setText("Choose the file to write.")
        elif req.top == 0:
            self.error.setText("No scored candidate reaches that minimum score; lower it.")
        else:
            self.accept()
