"""Fixtures for GUI tests: an isolated window and a guard against leaked threads."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QThreadPool


@pytest.fixture(autouse=True)
def no_thread_left_running(qapp):
    """Fail a test that leaves a worker thread running. Short jobs (a snapshot read, a batch of
    drawings) get a grace period to end; the engine must already be stopped (see `window`)."""
    yield
    pool = QThreadPool.globalInstance()
    if not pool.waitForDone(3000):
        pytest.fail(f"the test left {pool.activeThreadCount()} worker thread(s) running")


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, home, settings):
    from designer_app.gui.main_window import MainWindow

    w = MainWindow(home=home, settings=settings)
    qtbot.addWidget(w)
    w.show()
    yield w
    running = w.session.is_running
    if running:  # clean up first so one failure does not cascade, then fail
        with qtbot.waitSignal(w.session.run_finished, timeout=30000):
            w.session.stop()
    w.close()
    assert not running, "the test left the engine running"
