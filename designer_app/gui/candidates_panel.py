"""The Candidates panel: lab banner, filters, the candidates table and the detail view.

Lab entry happens here: typing in the Score column, or pasting a column copied from a spreadsheet.
Both go through `apply_edits`, i.e. appended measurements on the undo stack. New snapshots reach the
table at a tick of the window's update timer (updates.py), never once per event.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QSize, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from designer_app.editing import EditError, ScoreEdit, parse_score_text
from designer_app.gui.campaign_panel import PARTIAL_TEXT, PARTIAL_TIP
from designer_app.gui.candidates_model import (
    COLUMNS,
    DEPICTION,
    ID,
    ITEM,
    SCORE,
    STATUSES,
    THUMBNAIL,
    CandidateFilterProxy,
    CandidateTableModel,
)
from designer_app.gui.depiction import DepictionCache
from designer_app.gui.detail_view import DetailView
from designer_app.gui.session import CampaignSession
from designer_app.gui.snapshot import Snapshot
from designer_app.gui.undo import apply_edits
from designer_app.gui.updates import UpdateScheduler


class LabBanner(QFrame):
    """Says, unmissably, that a round waits for lab scores and how to give them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labBanner")
        self.setStyleSheet("#labBanner { background: #fff4ce; border: 1px solid #e0b400; border-radius: 4px; }")
        layout = QHBoxLayout(self)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.import_button = QPushButton("Import scores…")
        self.continue_button = QPushButton("Continue")
        self.continue_button.setToolTip("Run the campaign on once every score of the round is in")
        # The same action as the Campaign panel's button (PARTIAL_TIP says what it does), here too
        # because this banner is where the lab user is when part of a plate comes back.
        self.partial_button = QPushButton(PARTIAL_TEXT)
        self.partial_button.setToolTip(PARTIAL_TIP)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.import_button)
        layout.addWidget(self.partial_button)
        layout.addWidget(self.continue_button)
        self.hide()

    def show_waiting(self, round_index: int, n_waiting: int, n_total: int, n_scored: int = 0) -> None:
        """`n_scored`: candidates of the round with a final measurement (enables the partial button)."""
        if n_waiting:
            text = (
                f"<b>Round {round_index} awaits lab scores: {n_waiting} of {n_total} still to enter.</b> "
                "Type them in the Score column, paste a column (Ctrl+V), or import a file; then Continue"
                " — or go on now with the scored ones; the rest count when they arrive."
            )
        else:
            text = f"<b>All scores of round {round_index} are in.</b> Press Continue to fit and fine-tune."
        self.label.setText(text)
        self.partial_button.setVisible(n_waiting > 0)  # with every score in, Continue does the same
        self.partial_button.setEnabled(n_scored > 0)
        self.show()


class CandidatesPanel(QWidget):
    """Table of candidates with filters, lab banner and detail view.

    Signals:
        notice(str): a short message for the status bar (e.g. why a typed value was refused).
        import_requested(): the banner's Import button.
        continue_requested(): the banner's Continue button.
        partial_continue_requested(): the banner's "Continue with the scored ones" button.
    """

    notice = Signal(str)
    import_requested = Signal()
    continue_requested = Signal()
    partial_continue_requested = Signal()

    def __init__(
        self,
        session: CampaignSession,
        undo_stack: QUndoStack,
        depictions: DepictionCache,
        updates: UpdateScheduler | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.updates = updates
        self.undo_stack = undo_stack
        self.model = CandidateTableModel(depictions, self)
        self.model.editor = self._edit_cell
        self.proxy = CandidateFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.banner = LabBanner()
        self.banner.import_button.clicked.connect(self.import_requested)
        self.banner.continue_button.clicked.connect(self.continue_requested)
        self.banner.partial_button.clicked.connect(self.partial_continue_requested)
        self.round_filter = QComboBox()
        self.round_filter.addItem("All rounds", None)
        self.status_filter = QComboBox()
        self.status_filter.addItem("All statuses", None)
        for status in STATUSES:
            self.status_filter.addItem(status.capitalize(), status)
        self.count = QLabel()
        self.table = self._make_table()
        self.detail = DetailView(depictions)
        self._build_layout()
        self.round_filter.currentIndexChanged.connect(lambda _: self._apply_filters())
        self.status_filter.currentIndexChanged.connect(lambda _: self._apply_filters())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        session.snapshot_ready.connect(self._on_snapshot)
        session.closed.connect(self._on_closed)
        self._update_count()

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(ID, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        table.setWordWrap(False)
        table.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        header = table.verticalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # fixed heights: no per-row measuring
        header.setDefaultSectionSize(THUMBNAIL + 4)
        header.setVisible(False)
        horizontal = table.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.resizeSection(DEPICTION, THUMBNAIL + 12)
        horizontal.resizeSection(ITEM, 190)
        horizontal.setStretchLastSection(True)
        paste = QAction("Paste scores", table)
        paste.setShortcut(QKeySequence.StandardKey.Paste)
        paste.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        paste.triggered.connect(lambda: self.paste_scores())
        table.addAction(paste)
        return table

    def _build_layout(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Round:"))
        filters.addWidget(self.round_filter)
        filters.addWidget(QLabel("Status:"))
        filters.addWidget(self.status_filter)
        filters.addStretch(1)
        filters.addWidget(self.count)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([700, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

    # ---- data ----------------------------------------------------------------------------------
    def _on_snapshot(self, snap: Snapshot) -> None:
        if self.updates is None:
            self.show_snapshot(snap)
        else:
            self.updates.request("candidates", lambda: self.show_snapshot(snap), heavy=True)

    def show_snapshot(self, snap: Snapshot) -> None:
        if self.session.snapshot is None:
            return  # the campaign was closed before this update's turn came
        if self.model.depictions is not None:
            self.model.depictions.set_domain(snap.config.domain)
        self.model.set_domain(snap.config.domain)
        self.model.set_rows(snap.candidates)
        self._update_round_filter([r.index for r in snap.rounds])
        awaiting = snap.awaiting_round
        if awaiting is not None and not self.session.is_running:
            total = sum(
                1 for c in snap.candidates if c.round == awaiting.index and c.feasible and c.duplicate_of is None
            )
            self.banner.show_waiting(awaiting.index, len(snap.waiting()), total, snap.scored_in_awaiting())
        else:
            self.banner.hide()
        self._refresh_detail(only_if_changed=True)
        self._update_count()

    def _on_closed(self) -> None:
        if self.updates is not None:
            self.updates.cancel("candidates")
        self.model.clear()
        self.banner.hide()
        self.detail.clear()
        self._update_round_filter([])

    def _update_round_filter(self, rounds: list[int]) -> None:
        present = [self.round_filter.itemData(i) for i in range(1, self.round_filter.count())]
        if present == rounds:
            return
        current = self.round_filter.currentData()
        self.round_filter.blockSignals(True)
        while self.round_filter.count() > 1:
            self.round_filter.removeItem(1)
        for r in rounds:
            self.round_filter.addItem(f"Round {r}", r)
        index = self.round_filter.findData(current) if current is not None else 0
        self.round_filter.setCurrentIndex(max(0, index))
        self.round_filter.blockSignals(False)
        if current is not None and index < 0:
            self._apply_filters()

    def _apply_filters(self) -> None:
        self.proxy.set_round(self.round_filter.currentData())
        self.proxy.set_status(self.status_filter.currentData())
        self._update_count()

    def _update_count(self, *args) -> None:
        self.count.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} candidates")

    def _selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._refresh_detail()

    def selected_candidate_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.candidate_id(rows[0].row()) if rows else None

    def select_candidate(self, candidate_id: int) -> bool:
        """Select (and scroll to) a candidate; False when it is filtered out or unknown."""
        row = self.model.row_of(candidate_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, SCORE))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _refresh_detail(self, only_if_changed: bool = False) -> None:
        cid = self.selected_candidate_id()
        row = self.model.row_of(cid) if cid is not None else None
        if row is None or self.session.store is None:
            self.detail.clear()
            return
        c = self.model.record(row)
        if only_if_changed and c == self.detail.record:
            return  # same record: skip re-reading its history from the store on the GUI thread
        history = self.session.store.measurements(c.duplicate_of or c.id)
        self.detail.show_candidate(c, self.model.status_of(row), history)

    # ---- lab entry -----------------------------------------------------------------------------
    def _edit_cell(self, candidate_id: int, text: str) -> bool:
        try:
            value, status = parse_score_text(text)
            apply_edits(
                self.session,
                self.undo_stack,
                [ScoreEdit(candidate_id, value, status)],
                f"score of candidate {candidate_id}",
            )
        except EditError as exc:
            self.notice.emit(str(exc))
            return False
        self.notice.emit(f"stored the score of candidate {candidate_id} (Ctrl+Z undoes it)")
        return True

    def paste_scores(self, text: str | None = None) -> int:
        """Paste a column of scores (the first cell of each line, as a spreadsheet copies a column)
        into the Score column, from the current row downwards in the order shown. All or nothing.
        Returns the number of scores stored."""
        if text is None:
            text = QGuiApplication.clipboard().text()
        values = [line.split("\t")[0] for line in text.replace("\r\n", "\n").rstrip("\n").split("\n")]
        if not text.strip() or not values:
            self.notice.emit("the clipboard holds no scores to paste")
            return 0
        current = self.table.currentIndex()
        start = current.row() if current.isValid() else 0
        if start + len(values) > self.proxy.rowCount():
            self.notice.emit(
                f"{len(values)} scores do not fit below row {start + 1}; "
                f"only {self.proxy.rowCount() - start} rows are shown (check the filters)"
            )
            return 0
        try:
            edits = []
            for offset, cell in enumerate(values):
                value, status = parse_score_text(cell)
                edits.append(ScoreEdit(self.proxy.candidate_id(start + offset), value, status, "pasted"))
            apply_edits(self.session, self.undo_stack, edits, f"paste of {len(edits)} scores")
        except EditError as exc:
            self.notice.emit(f"nothing pasted: {exc}")
            return 0
        self.notice.emit(f"pasted {len(edits)} scores (Ctrl+Z undoes the paste)")
        return len(edits)


__all__ = ["CandidatesPanel", "LabBanner", "COLUMNS"]
