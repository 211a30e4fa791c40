"""The candidates table: a Qt model over the rows of a campaign snapshot, plus its sort/filter proxy.

Rows are plain `CandidateRecord`s fetched into a list (the store is read off the GUI thread, see
snapshot.py), so `data()` is a list lookup and thousands of rows scroll smoothly. New snapshots are
applied incrementally: appended rows are inserted and changed rows repainted, so selection and scroll
position survive a refresh. Score edits leave through `editor`, a callable the panel provides, which
writes to the store; the model itself never writes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import PurePath

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from designer_app.core.records import CandidateRecord
from designer_app.gui.depiction import DepictionCache, depiction_kind

COLUMNS = ("Depiction", "ID", "Item", "Round", "Score", "Predicted (mean ± std)", "Acquisition", "Status")
DEPICTION, ID, ITEM, ROUND, SCORE, PREDICTED, ACQUISITION, STATUS = range(len(COLUMNS))
STATUSES = ("pending", "scored", "failed", "infeasible", "duplicate")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
FILTER_ROLE = Qt.ItemDataRole.UserRole + 3
THUMBNAIL = 64

_STATUS_COLOURS = {
    "scored": QColor("#1b7f3b"),
    "pending": QColor("#b25e00"),
    "failed": QColor("#b3261e"),
    "infeasible": QColor("#777777"),
    "duplicate": QColor("#777777"),
}
_ANY = (QModelIndex, QPersistentModelIndex)
Editor = Callable[[int, str], bool]


def display_status(c: CandidateRecord) -> str:
    """pending / scored / failed / infeasible / duplicate, as the lab reads it."""
    if not c.feasible or not c.item:
        return "infeasible"
    if c.duplicate_of is not None:
        return "duplicate"
    if c.score_status == "ok":
        return "scored" if c.score is not None else "infeasible"  # ok without value: the oracle's verdict
    if c.score_status == "failed":
        return "failed"
    return "pending"


def _num(v: float | None, digits: int = 4) -> str:
    return "" if v is None or not math.isfinite(v) else f"{v:.{digits}g}"


def _key(v: float | None) -> float:
    # Missing numbers sort below every real one in both directions' natural reading (unscored last
    # when sorting best first).
    return -math.inf if v is None or not math.isfinite(v) else float(v)


class CandidateTableModel(QAbstractTableModel):
    """Candidates of one campaign. Editable score column when an `editor` is set."""

    def __init__(self, depictions: DepictionCache | None = None, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[CandidateRecord] = []
        self._status: list[str] = []
        self._row_of: dict[int, int] = {}
        self.depictions = depictions
        self.editor: Editor | None = None
        self.domain = "molecules"
        if depictions is not None:
            depictions.ready.connect(self._depictions_ready)

    # ---- rows ----------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[CandidateRecord]) -> None:
        """Show `rows` (id order). Appends and in-place changes are applied incrementally; anything
        else (another campaign) resets the model."""
        rows = list(rows)
        old = self._rows
        same_prefix = len(rows) >= len(old) and all(a.id == b.id for a, b in zip(old, rows))
        if not same_prefix:
            self.beginResetModel()
            self._assign(rows)
            self.endResetModel()
            return
        changed = [i for i, (a, b) in enumerate(zip(old, rows)) if a != b]
        if changed:
            self._rows[: len(old)] = rows[: len(old)]
            self._status[: len(old)] = [display_status(c) for c in rows[: len(old)]]
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(COLUMNS) - 1))
        if len(rows) > len(old):
            self.beginInsertRows(QModelIndex(), len(old), len(rows) - 1)
            self._assign(rows)
            self.endInsertRows()

    def _assign(self, rows: list[CandidateRecord]) -> None:
        self._rows = rows
        self._status = [display_status(c) for c in rows]
        self._row_of = {c.id: i for i, c in enumerate(rows)}

    def set_domain(self, domain: str) -> None:
        """Items of image campaigns are file paths: the Item column then shows the file name."""
        if domain != self.domain:
            self.domain = domain
            if self._rows:
                self.dataChanged.emit(self.index(0, ITEM), self.index(len(self._rows) - 1, ITEM))

    def clear(self) -> None:
        self.beginResetModel()
        self._assign([])
        self.endResetModel()

    def record(self, row: int) -> CandidateRecord:
        return self._rows[row]

    def status_of(self, row: int) -> str:
        return self._status[row]

    def row_of(self, candidate_id: int) -> int | None:
        return self._row_of.get(candidate_id)

    def records(self) -> list[CandidateRecord]:
        return list(self._rows)

    def _depictions_ready(self) -> None:
        if self._rows:
            self.dataChanged.emit(
                self.index(0, DEPICTION), self.index(len(self._rows) - 1, DEPICTION), [Qt.ItemDataRole.DecorationRole]
            )

    # ---- Qt model interface ------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if index.column() == SCORE and self.editor is not None and self._status[index.row()] != "infeasible":
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        c, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(c, col, index.row())
        if role == Qt.ItemDataRole.EditRole:
            return _num(c.score, 6) if col == SCORE else self._text(c, col, index.row())
        if role == SORT_ROLE:
            return self._sort_key(c, col, index.row())
        if role == Qt.ItemDataRole.DecorationRole and col == DEPICTION and self.depictions is not None:
            # Asked only for rows the view paints, so hidden rows are never drawn.
            return self.depictions.pixmap(c.item, THUMBNAIL)
        if role == Qt.ItemDataRole.SizeHintRole and col == DEPICTION:
            return QSize(THUMBNAIL + 8, THUMBNAIL + 4)
        if role == Qt.ItemDataRole.ForegroundRole and col == STATUS:
            return _STATUS_COLOURS.get(self._status[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (ID, ROUND, SCORE, PREDICTED, ACQUISITION):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(c, col, index.row())
        if role == RECORD_ROLE:
            return c.id
        if role == FILTER_ROLE:
            return f"{c.round}|{self._status[index.row()]}"
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != SCORE or self.editor is None:
            return False
        c = self._rows[index.row()]
        text = "" if value is None else str(value)
        if text.strip() == _num(c.score, 6) and c.score_status == "ok":
            return False  # unchanged: an edit that stores nothing new would only clutter the history
        return bool(self.editor(c.id, text))

    # ---- cell contents -------------------------------------------------------------------------
    def _text(self, c: CandidateRecord, col: int, row: int) -> str | None:
        if col == DEPICTION:
            return None
        if col == ID:
            return str(c.id)
        if col == ITEM:
            if not c.item:
                return "(not decoded)"
            return PurePath(c.item).name if depiction_kind(self.domain) == "image" else c.item
        if col == ROUND:
            return str(c.round)
        if col == SCORE:
            if c.score is None:
                return {"failed": "failed", "pending": "…"}.get(self._status[row], "")
            text = _num(c.score)
            return f"{text} (n={c.n_replicates})" if c.n_replicates > 1 else text
        if col == PREDICTED:
            if c.predicted_mean is None:
                return ""
            return f"{_num(c.predicted_mean, 3)} ± {_num(c.predicted_std, 2) or '?'}"
        if col == ACQUISITION:
            return _num(c.acquisition, 3)
        return self._status[row]

    def _sort_key(self, c: CandidateRecord, col: int, row: int):
        if col in (DEPICTION, ITEM):
            return c.item or ""
        if col == ID:
            return c.id
        if col == ROUND:
            return c.round
        if col == SCORE:
            return _key(c.score)
        if col == PREDICTED:
            return _key(c.predicted_mean)
        if col == ACQUISITION:
            return _key(c.acquisition)
        return self._status[row]

    def _tooltip(self, c: CandidateRecord, col: int, row: int) -> str | None:
        status = self._status[row]
        if col == STATUS and status == "infeasible":
            return c.reason or "the oracle judged it infeasible"
        if col == STATUS and status == "duplicate":
            return f"same item as candidate {c.duplicate_of}; it shares that candidate's score"
        if col == SCORE and self.editor is not None and status != "infeasible":
            return "Double-click to type a score ('failed' for a failed measurement); Ctrl+V pastes a column"
        if col == ITEM:
            return c.item
        return None


class CandidateFilterProxy(QSortFilterProxyModel):
    """Sorting by typed keys (numbers sort as numbers) and filtering by round and status.

    Filtering uses Qt's own regular-expression filter on FILTER_ROLE ("<round>|<status>") rather than
    a Python `filterAcceptsRow`: Qt re-filters every inserted or changed row, and with no filter set
    it then accepts rows without calling into Python at all (each call would wait for the
    interpreter lock while the engine runs)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterRole(FILTER_ROLE)
        self._round: int | None = None
        self._status: str | None = None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by `column`. Ascending id is the source model's own order, so it needs no sorting:
        the proxy then keeps the source order instead of comparing rows through Python `data()`
        calls on every insert and score change (each call waits for the interpreter lock while the
        engine runs)."""
        if column == ID and order == Qt.SortOrder.AscendingOrder:
            column = -1
        super().sort(column, order)

    def set_round(self, round_index: int | None) -> None:
        self._round = round_index
        self._apply_filter()

    def set_status(self, status: str | None) -> None:
        self._status = status
        self._apply_filter()

    def _apply_filter(self) -> None:
        if self._round is None and not self._status:
            pattern = ""  # Qt then accepts every row without asking the model
        else:
            round_part = re.escape(str(self._round)) if self._round is not None else "[^|]*"
            status_part = re.escape(self._status) if self._status else ".*"
            pattern = f"^{round_part}\\|{status_part}$"
        self.setFilterRegularExpression(QRegularExpression(pattern))

    def candidate_id(self, proxy_row: int) -> int:
        return int(self.data(self.index(proxy_row, 0), RECORD_ROLE))
