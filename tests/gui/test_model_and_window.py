"""Candidates model (qtmodeltester, thousands of rows), window layout persistence, app entry, helpers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from designer_app import events as ev
from designer_app.core.records import CandidateRecord
from designer_app.gui import _compat
from designer_app.gui.candidates_model import (
    ITEM,
    PREDICTED,
    SCORE,
    STATUS,
    CandidateFilterProxy,
    CandidateTableModel,
    display_status,
)
from designer_app.gui.depiction import DepictionCache, render_png
from designer_app.gui.progress import ProgressTracker, format_eta

from .gui_helpers import make_campaign, wait_snapshot

SMILES = ["CCO", "c1ccccc1", "CC(=O)O", "CCN", "C1CCOC1", "c1ccncc1"]


def record(i: int, **kw) -> CandidateRecord:
    base = dict(
        id=i,
        round=1 + i // 100,
        item=SMILES[i % len(SMILES)],
        key=SMILES[i % len(SMILES)],
        feasible=True,
        reason="",
        latent=None,
        predicted_mean=0.1 * (i % 7),
        predicted_std=0.05,
        acquisition=0.2,
        checkpoint_id=None,
        source="model",
        duplicate_of=None,
        score=None,
        score_status="unscored",
    )
    base.update(kw)
    return CandidateRecord(**base)


def sample_rows(n: int) -> list[CandidateRecord]:
    rows = []
    for i in range(1, n + 1):
        kind = i % 5
        if kind == 0:
            rows.append(record(i, score=i / n, score_status="ok", n_replicates=1))
        elif kind == 1:
            rows.append(record(i, score_status="failed"))
        elif kind == 2:
            rows.append(record(i, feasible=False, item=None, key="", reason="did not decode"))
        elif kind == 3:
            rows.append(record(i, duplicate_of=1))
        else:
            rows.append(record(i, score=0.5, score_status="ok", n_replicates=2, score_spread=0.1))
    return rows


def test_model_passes_qtmodeltester(qtmodeltester):
    model = CandidateTableModel(DepictionCache())
    model.editor = lambda cid, text: True
    model.set_rows(sample_rows(40))
    qtmodeltester.check(model)
    proxy = CandidateFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(SCORE, Qt.SortOrder.DescendingOrder)
    proxy.set_status("scored")
    qtmodeltester.check(proxy)


def test_incremental_updates_keep_rows_and_emit_the_right_signals(qtbot):
    model = CandidateTableModel()
    rows = sample_rows(10)
    model.set_rows(rows[:6])
    with qtbot.waitSignal(model.rowsInserted) as inserted, qtbot.assertNotEmitted(model.modelReset):
        model.set_rows(rows)
    assert inserted.args[1:] == [6, 9]
    changed = list(rows)
    changed[2] = record(3, score=0.9, score_status="ok", n_replicates=1, feasible=True)
    with qtbot.waitSignal(model.dataChanged) as signal:
        model.set_rows(changed)
    assert signal.args[0].row() == 2 and signal.args[1].row() == 2
    assert model.data(model.index(2, SCORE)) == "0.9"
    with qtbot.waitSignal(model.modelReset):
        model.set_rows(sample_rows(3)[1:])  # another campaign: reset


def test_statuses_and_cells():
    rows = {r.id: r for r in sample_rows(10)}
    assert [display_status(rows[i]) for i in (5, 6, 7, 8, 9)] == [
        "scored",
        "failed",
        "infeasible",
        "duplicate",
        "scored",
    ]
    assert display_status(record(1, score=None, score_status="ok")) == "infeasible"  # the oracle's verdict
    model = CandidateTableModel()
    model.set_rows(list(rows.values()))
    assert model.data(model.index(8, SCORE)) == "0.5 (n=2)"
    assert model.data(model.index(0, PREDICTED)) == "0.1 ± 0.05"
    assert model.data(model.index(6, ITEM)) == "(not decoded)"
    assert model.data(model.index(6, STATUS), Qt.ItemDataRole.ToolTipRole) == "did not decode"
    assert not model.flags(model.index(4, SCORE)) & Qt.ItemFlag.ItemIsEditable  # no editor set
    model.editor = lambda cid, text: True
    assert model.flags(model.index(4, SCORE)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(6, SCORE)) & Qt.ItemFlag.ItemIsEditable  # infeasible


def test_thousands_of_rows_sort_and_filter(qtbot):
    model = CandidateTableModel()
    proxy = CandidateFilterProxy()
    proxy.setSourceModel(model)
    model.set_rows(sample_rows(5000))
    proxy.sort(SCORE, Qt.SortOrder.DescendingOrder)
    assert proxy.data(proxy.index(0, SCORE)) == "1"
    proxy.set_status("pending")
    assert proxy.rowCount() == 0
    proxy.set_status("failed")
    assert proxy.rowCount() == 1000
    proxy.set_round(3)
    assert proxy.rowCount() == 20


def test_depictions_are_drawn_off_thread_and_cached(qtbot):
    assert render_png("c1ccccc1", 64)[:4] == b"\x89PNG"
    assert render_png("not a smiles", 64) is None and render_png("ACGT", 64, domain="dna") is None
    cache = DepictionCache()
    assert cache.pixmap("CCO", 64) is None  # requested, drawn in the background
    with qtbot.waitSignal(cache.ready, timeout=10000):
        pass
    image = cache.pixmap("CCO", 64)
    assert image is not None and image.width() == 64
    cache.pixmap("C(((", 64)
    qtbot.waitUntil(lambda: cache.attempted("C(((", 64), timeout=10000)
    assert cache.pixmap("C(((", 64) is None


def test_progress_tracker_fraction_text_and_eta():
    clock = iter([0.0, 10.0, 20.0, 30.0, 40.0]).__next__
    tracker = ProgressTracker(n_rounds=4, done_rounds=1, goal_rounds=2, clock=clock)
    p = tracker.update(ev.RoundStarted(2, 8))
    assert p.fraction == pytest.approx(0.25) and "proposing 8" in p.text and p.eta_seconds is None
    p = tracker.update(ev.RewardFitted(2, 8, 0.5, 0.3, 1.0))
    assert p.fraction == pytest.approx((1 + 0.6) / 4) and "fine-tuning" in p.text
    assert p.eta_seconds == pytest.approx(20.0 * (0.5 - 0.4) / 0.15)
    p = tracker.update(ev.ScoresAwaited(2, 8))
    assert p.eta_seconds is None and "waiting for 8 lab scores" in p.text
    p = tracker.update(ev.RoundFinished(2, 0.9, 16, 3.0))
    assert p.fraction == pytest.approx(0.5) and p.eta_seconds == 0
    assert format_eta(5) == "ETA 5 s" and format_eta(125) == "ETA 2 min 05 s" and format_eta(None) == ""


def test_layout_is_persisted_and_docks_restore_from_the_view_menu(qtbot, home, tmp_path):
    from designer_app.gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    first = MainWindow(home=home, settings=settings)
    qtbot.addWidget(first)
    first.show()
    assert set(first.docks) == {"campaign", "candidates", "reward", "regret", "training", "log"}
    for dock in first.docks.values():
        features = dock.features()
        assert features & QDockWidget.DockWidgetFeature.DockWidgetFloatable
        assert features & QDockWidget.DockWidgetFeature.DockWidgetClosable
    first.docks["log"].close()
    first.docks["regret"].setFloating(True)
    first.resize(1003, 857)
    geometry = first.saveGeometry()
    first.close()
    assert settings.value("window/geometry") == geometry
    second = MainWindow(home=home, settings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    second.show()
    assert second.docks["log"].isHidden() and second.docks["regret"].isFloating()
    # (the offscreen screen is small, so restoreGeometry clamps the size; that it applied is what counts)
    assert second.layout_restored
    second.docks["log"].toggleViewAction().trigger()  # View ▸ Log
    assert second.docks["log"].isVisible()
    second.reset_layout()
    assert not second.docks["regret"].isFloating()
    second.close()


def test_recent_list_is_bounded_and_skips_missing_folders(window, qtbot, home, tiny_prior):
    folders = [make_campaign(home, tiny_prior, f"r{i}") for i in range(10)]
    for folder in folders:
        assert window.open_campaign(folder)
        wait_snapshot(qtbot, window)
    assert window.recent()[0] == str(folders[-1]) and len(window.recent()) == 8
    assert not window.open_campaign(home / "campaigns" / "missing")
    assert window.last_error.isVisible() and "missing" in window.last_error.message
    window.last_error.close()
    assert window.session.name == "r9"  # the open campaign stays open


def test_app_main_opens_the_window_and_a_campaign(qtbot, home, tiny_prior, tmp_path, monkeypatch):
    from PySide6.QtCore import QTimer

    from designer_app.gui import app as gui_app

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    make_campaign(home, tiny_prior, "at-start")
    seen = {}

    def look_and_close():
        windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow" and w.isVisible()]
        seen["title"] = windows[0].windowTitle()
        for w in windows:
            w.close()

    started = time.monotonic()
    QTimer.singleShot(1500, look_and_close)
    assert gui_app.main(["--home", str(home), "at-start"]) == 0
    assert seen["title"] == "Designer — at-start" and time.monotonic() - started < 30
    QSettings.setDefaultFormat(QSettings.Format.NativeFormat)


def test_the_window_modules_load_no_heavy_libraries():
    code = (
        "import sys, designer_app.gui.app, designer_app.gui.main_window; "
        "print(sorted(m for m in ('torch', 'rdkit', 'diffusers', 'selfies') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_none_refcount_guard():
    from PySide6.QtCore import QPointF

    point = QPointF()
    for _ in range(200_000):  # enough stolen references to abort an unprotected Python 3.11
        point.setX(1.0)
    assert not _compat.none_refcount_leaks() or sys.getrefcount(None) > 1 << 39


def test_app_loads_the_engine_libraries_after_the_window_is_shown(home):
    # The first round must not pay for importing torch (0.5-1 s with the interpreter lock held, so the
    # window cannot repaint): the app loads it on a worker thread once the window is up.
    code = f"""
import gc, json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
qapp = QApplication([])
from designer_app.gui import app, warmup
seen = {{}}
def check():
    windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow"]
    if not warmup.is_warm():
        seen.setdefault("visible_while_cold", windows[0].isVisible())
        QTimer.singleShot(50, check)
        return
    seen["heavy"] = sorted(m for m in ("torch", "rdkit", "diffusers", "selfies") if m in sys.modules)
    seen["frozen"] = gc.get_freeze_count()
    seen["gc_enabled"] = gc.isenabled()
    for w in windows:
        w.close()
QTimer.singleShot(0, check)
code = app.main(["--home", {str(home)!r}])
report = warmup.warm_up(("json",))  # a second warm-up is a no-op
print(json.dumps({{**seen, "code": code, "second": report.loaded}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["visible_while_cold"] is True  # the window came first
    assert seen["heavy"] == ["diffusers", "rdkit", "selfies", "torch"]
    assert seen["frozen"] > 100_000 and seen["gc_enabled"]  # torch's objects frozen out of collections
    assert seen["code"] == 0 and seen["second"] == []


def test_warm_up_reports_modules_it_cannot_load():
    code = (
        "import json; from designer_app.gui import warmup; "
        "r = warmup.warm_up(('json', 'designer_app_no_such_module')); "
        "print(json.dumps({'loaded': r.loaded, 'skipped': r.skipped, 'warm': warmup.is_warm()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["loaded"] == ["json"] and report["warm"]
    assert "No module named 'designer_app_no_such_module'" in report["skipped"]["designer_app_no_such_module"]
