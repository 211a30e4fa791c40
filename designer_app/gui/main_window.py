"""The main window: dockable panels, menus, persisted layout, and the campaign file actions.

Every panel is a QDockWidget with an objectName, so QMainWindow.saveState/restoreState can persist the
layout in QSettings; the View menu holds each dock's toggle action and a reset. The window wires the
session (engine thread, store, snapshots) to the panels and turns failures into error dialogs; the
campaign itself stays open after any failure. Actions that write the store (import, rollback) run on the
GUI thread's own connection and then ask the session for a fresh snapshot, so every panel shows what
the store holds. Events and snapshots never repaint a panel directly:
they go through one `UpdateScheduler` (updates.py), which applies the latest state on a timer.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox

from designer_app import campaigns
from designer_app import events as ev
from designer_app.gui.campaign_panel import CampaignPanel
from designer_app.gui.candidates_panel import CandidatesPanel
from designer_app.gui.depiction import DepictionCache
from designer_app.gui.error_dialog import ErrorDialog, show_error
from designer_app.gui.export_dialog import ExportDialog
from designer_app.gui.import_dialog import ImportDialog
from designer_app.gui.log_panel import LogPanel
from designer_app.gui.plots import RegretPlot, RewardDistributionPlot, TrainingPlot
from designer_app.gui.rollback_dialog import RollbackDialog
from designer_app.gui.session import CampaignSession
from designer_app.gui.snapshot import Snapshot
from designer_app.gui.updates import UpdateScheduler
from designer_app.gui.wizard import NewCampaignWizard
from designer_app.store import RollbackReport, StoreError, campaigns_dir

MAX_RECENT = 8
STATE_VERSION = 1  # bump when docks are added or renamed, so an old saved layout is not applied


class MainWindow(QMainWindow):
    """Designer's main window.

    Args:
        home: data home for new campaigns and the Open dialog (None: DESIGNER_APP_HOME or the user
            data folder).
        settings: where layout and recent campaigns persist (tests pass a temporary one).
    """

    def __init__(self, home: str | Path | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.home = home
        self.settings = settings if settings is not None else QSettings("designer-app", "Designer")
        self.setObjectName("mainWindow")
        self.setWindowTitle("Designer")
        self.setDockNestingEnabled(True)
        self.session = CampaignSession(self)
        self.updates = UpdateScheduler(self)
        self.undo_stack = QUndoStack(self)
        self.depictions = DepictionCache(parent=self)
        self.campaign_panel = CampaignPanel(self.session, self.updates)
        self.candidates_panel = CandidatesPanel(self.session, self.undo_stack, self.depictions, self.updates)
        self.reward_plot = RewardDistributionPlot()
        self.regret_plot = RegretPlot()
        self.training_plot = TrainingPlot()
        self.log_panel = LogPanel(self.updates)
        self.wizard: NewCampaignWizard | None = None
        self.import_dialog: ImportDialog | None = None
        self.export_dialog: ExportDialog | None = None
        self.rollback_dialog: RollbackDialog | None = None
        self.last_error: ErrorDialog | None = None
        self._after_run: str | None = None  # "campaign" or "window": close it once the engine stopped
        self.docks = self._make_docks()
        self._make_menus()
        self._default_state = self.saveState(STATE_VERSION)
        self._restore_layout()
        self._connect()
        self._update_actions()
        self.statusBar().showMessage("Ready. File ▸ New campaign… or File ▸ Open…")

    # ---- construction --------------------------------------------------------------------------
    def _make_docks(self) -> dict[str, QDockWidget]:
        specs = [
            ("campaign", "Campaign", self.campaign_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("candidates", "Candidates", self.candidates_panel, Qt.DockWidgetArea.RightDockWidgetArea),
            ("reward", "Reward distribution", self.reward_plot, Qt.DockWidgetArea.BottomDockWidgetArea),
            ("regret", "Regret / best so far", self.regret_plot, Qt.DockWidgetArea.BottomDockWidgetArea),
            ("training", "Training", self.training_plot, Qt.DockWidgetArea.BottomDockWidgetArea),
            ("log", "Log", self.log_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
        ]
        docks: dict[str, QDockWidget] = {}
        for key, title, widget, area in specs:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock_{key}")  # saveState identifies docks by objectName
            dock.setWidget(widget)
            dock.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                | QDockWidget.DockWidgetFeature.DockWidgetClosable
            )
            self.addDockWidget(area, dock)
            docks[key] = dock
        self.splitDockWidget(docks["reward"], docks["regret"], Qt.Orientation.Horizontal)
        self.splitDockWidget(docks["regret"], docks["training"], Qt.Orientation.Horizontal)
        self.splitDockWidget(docks["campaign"], docks["log"], Qt.Orientation.Vertical)
        self.resize(1400, 900)
        self.resizeDocks([docks["campaign"], docks["candidates"]], [360, 1040], Qt.Orientation.Horizontal)
        self.resizeDocks([docks["candidates"], docks["reward"]], [560, 320], Qt.Orientation.Vertical)
        return docks

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        return action

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_action = self._action("&New campaign…", self.new_campaign, QKeySequence.StandardKey.New)
        self.open_action = self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.close_action = self._action("&Close campaign", self.close_campaign, QKeySequence.StandardKey.Close)
        self.import_action = self._action(
            "&Import scores…", self.import_scores, "Ctrl+I", "Import lab scores from CSV, SDF or FASTA"
        )
        self.export_action = self._action("&Export top candidates…", self.export_top, "Ctrl+E")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        file_menu.insertAction(self.recent_menu.menuAction(), self.new_action)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        for action in (self.close_action, None, self.import_action, self.export_action, None, self.quit_action):
            file_menu.addSeparator() if action is None else file_menu.addAction(action)

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.paste_action = self._action(
            "&Paste scores",
            self.candidates_panel.paste_scores,
            None,
            "Paste a column of scores into the Score column from the current row",
        )
        for action in (self.undo_action, self.redo_action, self.paste_action):
            edit_menu.addAction(action)

        campaign_menu = bar.addMenu("&Campaign")
        self.rollback_action = self._action(
            "&Roll back round…",
            self.rollback_round,
            None,
            "Discard a round's fine-tuned model and unscored proposals (measurements are kept) and propose it again",
        )
        campaign_menu.addAction(self.rollback_action)

        view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(self._action("Reset &layout", self.reset_layout))

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&About Designer", self._about))

    def _connect(self) -> None:
        s = self.session
        s.opened.connect(self._on_opened)
        s.closed.connect(self._on_closed)
        s.snapshot_ready.connect(self._on_snapshot)
        s.engine_event.connect(self._on_event)
        s.error.connect(self.show_error)
        s.running_changed.connect(lambda running: self._update_actions())
        s.running_changed.connect(self.updates.set_busy)
        s.run_finished.connect(self._on_run_finished)
        self.candidates_panel.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.candidates_panel.import_requested.connect(self.import_scores)
        self.candidates_panel.continue_requested.connect(self.campaign_panel.start_run)
        self.candidates_panel.partial_continue_requested.connect(self.campaign_panel.continue_partial)
        self.campaign_panel.rollback_requested.connect(self.rollback_round)

    # ---- layout persistence ------------------------------------------------------------------
    def _restore_layout(self) -> None:
        """Apply the saved geometry and dock layout; `layout_restored` says whether both applied."""
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        ok_geometry = geometry is not None and self.restoreGeometry(geometry)
        ok_state = state is not None and self.restoreState(state, STATE_VERSION)
        self.layout_restored = bool(ok_geometry and ok_state)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))
        self.settings.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, STATE_VERSION)
        for dock in self.docks.values():
            dock.show()

    # ---- recent campaigns ----------------------------------------------------------------------
    def recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [p for p in items if p]

    def _remember(self, folder: Path) -> None:
        items = [str(folder)] + [p for p in self.recent() if p != str(folder)]
        self.settings.setValue("recent", items[:MAX_RECENT])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        existing = [p for p in self.recent() if (Path(p) / "campaign.db").exists()]
        for path in existing:
            action = self.recent_menu.addAction(f"{Path(path).name}  —  {path}")
            action.triggered.connect(lambda checked=False, p=path: self.open_campaign(p))
        if not existing:
            self.recent_menu.addAction("(none)").setEnabled(False)

    # ---- file actions --------------------------------------------------------------------------
    def new_campaign(self) -> NewCampaignWizard:
        """Open the wizard (non-blocking); the campaign opens when it finishes."""
        self.wizard = NewCampaignWizard(self.home, self)
        self.wizard.accepted.connect(self._wizard_done)
        self.wizard.open()
        return self.wizard

    def _wizard_done(self) -> None:
        if self.wizard is not None and self.wizard.created_folder is not None:
            self.open_campaign(self.wizard.created_folder)

    def open_dialog(self) -> None:
        start = campaigns_dir(self.home)
        folder = QFileDialog.getExistingDirectory(
            self, "Open campaign folder", str(start if start.exists() else Path.home())
        )
        if folder:
            self.open_campaign(folder)

    def open_campaign(self, folder: str | Path) -> bool:
        try:
            self.session.open(folder)
        except Exception as exc:  # StoreError, ConfigError, CampaignError: the message says what to do
            self.show_error("Could not open the campaign", str(exc))
            return False
        return True

    def close_campaign(self) -> None:
        if self.session.is_running:
            self._after_run = "campaign"
            self.session.stop()
            self.statusBar().showMessage("stopping the engine; the campaign closes when it has stopped")
            return
        self.session.close()

    def import_scores(self, path: str | Path | None = None) -> ImportDialog | None:
        """Show the import dialog for `path` (asks for a file when None); imports when accepted."""
        if not self.session.is_open:
            return None
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import scores", str(self.session.folder), "Score files (*.csv *.tsv *.txt *.sdf *.fasta *.fa)"
            )
            if not path:
                return None
        dialog = ImportDialog(path, self.session.config.domain, self)
        dialog.accepted.connect(lambda: self._run_import(dialog))
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def _run_import(self, dialog: ImportDialog) -> None:
        try:
            report = campaigns.import_scores(
                self.session.store,
                dialog.import_path(),
                dialog.add_new.isChecked(),
                dialog.replicate.isChecked(),
                dialog.valid_only.isChecked(),
            )
        except Exception as exc:  # ScoreFileError, CampaignError: nothing was written
            self.show_error("Import failed — nothing was imported", str(exc))
            return
        finally:
            dialog.cleanup()
        text = (
            f"imported {dialog.path.name}: {report.stored} scores stored, {report.unchanged} unchanged, "
            f"{report.added_candidates} new candidates, {len(report.rejected)} rejected"
        )
        self.log_panel.log(text)
        self.statusBar().showMessage(text, 10000)
        if report.rejected:
            lines = "\n".join(f"line {line}: {why}" for line, why in report.rejected)
            self.show_error(
                "Some rows were not imported",
                f"{len(report.rejected)} row(s) were rejected; the others were imported.",
                lines,
            )
        self.session.refresh()

    def export_top(self) -> ExportDialog | None:
        snap = self.session.snapshot
        if snap is None:
            return None
        dialog = ExportDialog(snap, self)
        dialog.accepted.connect(lambda: self._run_export(dialog))
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def _run_export(self, dialog: ExportDialog) -> None:
        req = dialog.request()
        try:
            req.out.parent.mkdir(parents=True, exist_ok=True)
            result = campaigns.export(self.session.store, req.out, req.fmt, req.top, req.round_index)
        except Exception as exc:  # CampaignError, OSError
            self.show_error("Export failed", str(exc))
            return
        text = f"exported {result.count} candidates to {result.path}"
        self.log_panel.log(text)
        self.statusBar().showMessage(text, 10000)
        if result.warnings:  # e.g. images whose files are gone: exported, but without their PNG
            self.show_error("Export incomplete", "\n\n".join(result.warnings))

    # ---- campaign actions ----------------------------------------------------------------------
    def rollback_round(self) -> RollbackDialog | None:
        """Ask which round to roll back and confirm (non-blocking); rolls back when accepted. Does
        nothing unless a round can be rolled back (never under a running engine)."""
        snap = self.session.snapshot
        if not self.session.can_roll_back or snap is None:
            return None
        dialog = RollbackDialog(snap, self)
        dialog.accepted.connect(lambda: self._run_rollback(dialog.round_index()))
        self.rollback_dialog = dialog
        dialog.open()
        return dialog

    def _run_rollback(self, round_index: int) -> RollbackReport | None:
        try:
            report = self.session.rollback(round_index)
        except Exception as exc:  # StoreError (no such round), CampaignError (engine running), OSError
            expected = isinstance(exc, (StoreError, campaigns.CampaignError))
            self.show_error(
                f"Could not roll back round {round_index}",
                f"{exc}\n\nThe campaign is still open.",
                "" if expected else traceback.format_exc(),
            )
            return None
        self.training_plot.drop_rounds(report.rounds[0])  # those steps trained the discarded models
        self.training_plot.redraw()
        which = ", ".join(map(str, report.rounds))
        text = (
            f"rolled back round(s) {which}: {report.discarded_candidates} unscored proposals and "
            f"{len(report.discarded_checkpoints)} model file(s) discarded (kept in checkpoints/discarded), "
            f"{report.kept_candidates} measured candidates kept; Continue proposes round {report.rounds[0]} again"
        )
        self.log_panel.log(text)
        self.statusBar().showMessage(text, 15000)
        return report

    def show_error(self, title: str, message: str, details: str = "") -> ErrorDialog:
        self.log_panel.log(f"error: {title}: {message.splitlines()[0] if message else ''}")
        self.last_error = show_error(self, title, message, details)
        return self.last_error

    def _about(self) -> None:
        QMessageBox.about(self, "About Designer", "Designer: SEIKO design campaigns with diffusion models.")

    # ---- session updates -----------------------------------------------------------------------
    def _on_opened(self, config) -> None:
        self.setWindowTitle(f"Designer — {config.name}")
        self._remember(self.session.folder)
        self.undo_stack.clear()
        self._clear_plots()
        self.log_panel.clear()
        self.log_panel.load_history(self.session.store.events(200))
        self.log_panel.log(f"opened campaign {config.name} ({self.session.folder})")
        self._update_actions()

    def _on_closed(self) -> None:
        self.setWindowTitle("Designer")
        self.undo_stack.clear()
        self._clear_plots()
        self.log_panel.log("campaign closed")
        self._update_actions()

    def _clear_plots(self) -> None:
        for name in ("reward", "regret", *(f"training:{n}" for n in self.training_plot.NAMES)):
            self.updates.cancel(name)  # a pending update of the previous campaign must not land
        for plot in (self.reward_plot, self.regret_plot, self.training_plot):
            plot.clear()

    def _on_snapshot(self, snap: Snapshot) -> None:
        # Each plot at a tick of its own (heavy), with the latest snapshot when its turn comes.
        self.updates.request("reward", lambda: self.reward_plot.update_from(snap), heavy=True)
        self.updates.request("regret", lambda: self.regret_plot.update_from(snap), heavy=True)
        self._update_actions()

    def _on_event(self, event: ev.Event) -> None:
        self.log_panel.log_event(event)
        if isinstance(event, ev.FinetuneProgress):
            self.training_plot.add(event)
            for name in self.training_plot.NAMES:  # three plots: repainted at three ticks
                self.updates.request(f"training:{name}", lambda name=name: self.training_plot.redraw(name), heavy=True)
        elif isinstance(event, ev.ScoresAwaited):
            self.statusBar().showMessage(f"Round {event.round} waits for {event.n_waiting} lab scores")
            self.docks["candidates"].raise_()

    def _on_run_finished(self) -> None:
        after, self._after_run = self._after_run, None
        if after == "campaign":
            self.session.close()
        elif after == "window":
            self.close()

    def _update_actions(self) -> None:
        is_open, running = self.session.is_open, self.session.is_running
        self.close_action.setEnabled(is_open)
        self.import_action.setEnabled(is_open)
        self.export_action.setEnabled(is_open and self.session.snapshot is not None)
        self.paste_action.setEnabled(is_open)
        self.rollback_action.setEnabled(self.session.can_roll_back)
        self.open_action.setEnabled(not running)
        self.new_action.setEnabled(not running)
        self.recent_menu.setEnabled(not running)

    # ---- closing -------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        if self.session.is_running:
            # Never kill the engine thread: ask it to stop and close once it has (within a second).
            self._after_run = "window"
            self.session.stop()
            self.statusBar().showMessage("stopping the engine before quitting…")
            event.ignore()
            return
        self.session.close()
        event.accept()
