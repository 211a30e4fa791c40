"""Import scores dialog: a preview of the file, which column is which, and the import options.

CSV/TSV files get a column mapping preselected from the names the importer knows (id, smiles/item,
score/value/y, status, note). When the user maps differently, the file is rewritten with the standard
header into a temporary folder (same name, same delimiter, rows untouched) and that copy is imported,
so the one importer in campaigns.import_scores checks every row as it does for the CLI.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer_app.io.score_formats import FIELD_ALIASES, decode, sniff_delimiter

FIELDS = ("id", "item", "score", "status", "note")
_LABELS = {
    "id": "Candidate id",
    "item": "Item (SMILES / sequence)",
    "score": "Score",
    "status": "Status",
    "note": "Note",
}
_NONE = "(not in file)"
PREVIEW_ROWS = 20


def read_table(path: Path) -> tuple[str, list[list[str]]]:
    """(delimiter, rows) of a CSV/TSV file, header first; raises ValueError when unreadable."""
    text = decode(path.read_bytes(), str(path))
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        raise ValueError(f"{path.name} is empty")
    delimiter = sniff_delimiter(lines[0], path.suffix.lower())
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)]
    return delimiter, rows


def default_mapping(header: list[str]) -> dict[str, int | None]:
    """Field -> column index, as the importer would pick it from the header names."""
    names = [h.strip().lower() for h in header]
    out: dict[str, int | None] = {}
    for fld in FIELDS:
        out[fld] = next((names.index(a) for a in FIELD_ALIASES[fld] if a in names), None)
    return out


def rewrite_with_mapping(rows: list[list[str]], delimiter: str, mapping: dict[str, int | None], out: Path) -> Path:
    """Write `rows` with a header naming mapped columns by their field and every other column
    `ignored_N`, so no stray alias (a second 'score' column) is picked up."""
    by_column = {i: fld for fld, i in mapping.items() if i is not None}
    width = max(len(r) for r in rows)
    header = [by_column.get(i, f"ignored_{i + 1}") for i in range(width)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows[1:])
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return out


class ImportDialog(QDialog):
    """Preview and options for importing one score file; `import_path()` is what to import."""

    def __init__(self, path: str | Path, domain: str = "molecules", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import scores — {Path(path).name}")
        self.setObjectName("importDialog")
        self.path = Path(path)
        self.domain = domain
        self.is_csv = self.path.suffix.lower() in (".csv", ".tsv", ".txt")
        self.rows: list[list[str]] = []
        self.delimiter = ","
        self.combos: dict[str, QComboBox] = {}
        self._tmp: tempfile.TemporaryDirectory | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{self.path}</b>"))
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        layout.addWidget(self.preview, 1)
        self.mapping_form = QFormLayout()
        layout.addLayout(self.mapping_form)
        self.add_new = QCheckBox("Add items that are not candidates yet as my own candidates")
        self.replicate = QCheckBox("Store as replicates instead of replacing existing scores")
        self.valid_only = QCheckBox("Import the valid rows and list the rejected ones (instead of all-or-nothing)")
        for box in (self.add_new, self.replicate, self.valid_only):
            layout.addWidget(box)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(760, 520)
        self._load()

    def _load(self) -> None:
        try:
            if self.is_csv:
                self.delimiter, self.rows = read_table(self.path)
                self._show_rows(self.rows[0], self.rows[1 : PREVIEW_ROWS + 1])
                self._build_mapping(self.rows[0])
            else:
                self._preview_parsed()
        except Exception as exc:  # ScoreFileError, OSError, ValueError: say so, keep the dialog usable
            self.error.setText(str(exc))

    def _show_rows(self, header: list[str], rows: list[list[str]]) -> None:
        self.preview.setColumnCount(len(header))
        self.preview.setHorizontalHeaderLabels(header)
        self.preview.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, cell in enumerate(row[: len(header)]):
                self.preview.setItem(r, c, QTableWidgetItem(cell))
        self.preview.resizeColumnsToContents()

    def _build_mapping(self, header: list[str]) -> None:
        defaults = default_mapping(header)
        for fld in FIELDS:
            combo = QComboBox()
            combo.addItem(_NONE, None)
            for i, name in enumerate(header):
                combo.addItem(name or f"column {i + 1}", i)
            if defaults[fld] is not None:
                combo.setCurrentIndex(defaults[fld] + 1)
            self.combos[fld] = combo
            self.mapping_form.addRow(_LABELS[fld] + ":", combo)

    def _preview_parsed(self) -> None:
        """SDF / FASTA: show the rows as the importer reads them (the layout fixes the mapping)."""
        from designer_app.io import read_scores

        parsed = read_scores(self.path, valid_only=True, domain=self.domain)
        rows = [
            [str(r.candidate_id or ""), r.item or "", "" if r.value is None else f"{r.value:g}", r.status, r.note]
            for r in parsed.rows[:PREVIEW_ROWS]
        ]
        self._show_rows(["id", "item", "score", "status", "note"], rows)
        if parsed.rejected:
            line, why = parsed.rejected[0]
            self.error.setText(f"{len(parsed.rejected)} record(s) cannot be read, e.g. record {line}: {why}")

    def mapping(self) -> dict[str, int | None]:
        return {fld: combo.currentData() for fld, combo in self.combos.items()}

    def set_mapping(self, field: str, column_name: str | None) -> None:
        """Map `field` to the column named `column_name` (None: not in file)."""
        combo = self.combos[field]
        combo.setCurrentIndex(0 if column_name is None else combo.findText(column_name))

    def problem(self) -> str | None:
        if not self.is_csv:
            return None
        if not self.rows:
            return self.error.text() or "the file could not be read"
        m = self.mapping()
        if m["score"] is None:
            return "Choose the column that holds the scores."
        if m["id"] is None and m["item"] is None:
            return "Choose the column with candidate ids or the one with the items (SMILES / sequences)."
        used = [i for i in m.values() if i is not None]
        if len(used) != len(set(used)):
            return "Each column can be mapped to one field only."
        return None

    def import_path(self) -> Path:
        """The file to hand to the importer: the original, or a copy with the chosen header."""
        if not self.is_csv or self.mapping() == default_mapping(self.rows[0]):
            return self.path
        self._tmp = self._tmp or tempfile.TemporaryDirectory(prefix="designer-import-")
        return rewrite_with_mapping(self.rows, self.delimiter, self.mapping(), Path(self._tmp.name) / self.path.name)

    def _accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        self.accept()

    def cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
