"""Running a campaign from the window: background thread, progress, plots, stop/resume, errors, reopen."""

from __future__ import annotations

import shutil
import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from designer_app import events as ev
from designer_app.gui.candidates_model import DEPICTION, SCORE

from .gui_helpers import make_campaign, run_and_wait, wait_snapshot


def open_new(window, qtbot, home, prior, name="c", **kw):
    folder = make_campaign(home, prior, name, **kw)
    assert window.open_campaign(folder)
    wait_snapshot(qtbot, window)
    return folder


def test_one_round_runs_on_a_worker_thread_and_updates_every_panel(window, qtbot, home, tiny_prior):
    open_new(window, qtbot, home, tiny_prior)
    panel = window.campaign_panel
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    events = run_and_wait(qtbot, window, panel.step_button.click)
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "RoundStarted" and kinds[-1] == "RoundFinished" and "FinetuneProgress" in kinds
    snap = wait_snapshot(qtbot, window, lambda s: s.rounds and s.rounds[0].status == "done")
    assert len(snap.rounds) == 1  # one round only, of two
    model = window.candidates_panel.model
    # top-up (on by default) keeps the draw's repeats and infeasible samples as such and measures 8 new designs
    assert model.rowCount() == len(snap.candidates) >= 8
    statuses = [model.status_of(r) for r in range(model.rowCount())]
    assert statuses.count("scored") == 8 and set(statuses) <= {"scored", "duplicate", "infeasible"}
    assert window.training_plot.steps() == 3
    qtbot.waitUntil(lambda: window.training_plot.drawn_steps() == 3)  # curves are redrawn in batches
    assert window.reward_plot.point_count() == sum(
        1 for c in snap.candidates if c.score is not None and c.duplicate_of is None
    )
    assert panel.progress.value() == 500 and "done" in panel.phase.text()
    assert "1 of 2" in panel.summary.text()
    assert "RoundFinished" in window.log_panel.toPlainText()
    # depictions arrive from their own worker thread
    qtbot.waitUntil(lambda: model.data(model.index(0, DEPICTION), Qt.ItemDataRole.DecorationRole) is not None)


def test_start_runs_to_the_end_and_disables_itself(window, qtbot, home, tiny_prior):
    open_new(window, qtbot, home, tiny_prior)
    events = run_and_wait(qtbot, window, window.campaign_panel.start_button.click)
    assert isinstance(events[-1], ev.CampaignFinished)
    wait_snapshot(qtbot, window, lambda s: s.state == "finished")
    assert not window.campaign_panel.start_button.isEnabled()
    assert window.campaign_panel.progress.value() == 1000
    regret = window.regret_plot
    assert regret.regret_plot.isVisible() and len(regret.best.getData()[0]) == window.session.snapshot.oracle_calls


def test_stop_takes_effect_quickly_and_the_campaign_resumes(window, qtbot, home, tiny_prior):
    from designer_app.config import FinetuneConfig

    open_new(window, qtbot, home, tiny_prior, finetune=FinetuneConfig(steps=400, batch_size=8, grad_steps=2))
    session = window.session
    stopped_at = {}

    def stop_at_step_2(event):
        if isinstance(event, ev.FinetuneProgress) and event.step == 2 and "t" not in stopped_at:
            stopped_at["t"] = time.monotonic()
            window.campaign_panel.stop_button.click()

    session.engine_event.connect(stop_at_step_2)
    events = run_and_wait(qtbot, window, window.campaign_panel.step_button.click)
    assert time.monotonic() - stopped_at["t"] < 1.0
    assert isinstance(events[-1], ev.Stopped)
    assert [e for e in events if isinstance(e, ev.FinetuneProgress)][-1].step < 400
    snap = wait_snapshot(qtbot, window)
    assert snap.rounds[0].status == "fitted"  # resumable: fine-tuning is redone from the fitted reward
    assert "Stopped" in window.campaign_panel.phase.text()
    # Resume: the run continues where it stopped (no new proposal), and stops again on request.
    stopped_at.clear()
    events = run_and_wait(qtbot, window, window.campaign_panel.start_button.click)
    session.engine_event.disconnect(stop_at_step_2)
    assert isinstance(events[0], ev.FinetuneProgress) and events[0].step == 1 and events[0].round == 1
    assert isinstance(events[-1], ev.Stopped)
    assert len(wait_snapshot(qtbot, window).rounds) == 1


def test_pause_and_resume(window, qtbot, home, tiny_prior):
    from designer_app.config import FinetuneConfig

    open_new(window, qtbot, home, tiny_prior, finetune=FinetuneConfig(steps=40, batch_size=8, grad_steps=2))
    session = window.session
    seen = []

    def on_event(event):
        seen.append(event)
        if isinstance(event, ev.FinetuneProgress) and event.step == 1:
            window.campaign_panel.pause_button.click()

    session.engine_event.connect(on_event)
    with qtbot.waitSignal(session.paused_changed, timeout=60000) as paused:
        window.campaign_panel.step_button.click()
    assert paused.args == [True] and window.campaign_panel.pause_button.text() == "Resume"
    n = len(seen)
    qtbot.wait(300)
    assert len(seen) <= n + 1  # paused: at most the event already in flight
    with qtbot.waitSignal(session.run_finished, timeout=60000):
        window.campaign_panel.pause_button.click()
    session.engine_event.disconnect(on_event)
    assert isinstance(seen[-1], ev.RoundFinished)
    assert [e.step for e in seen if isinstance(e, ev.FinetuneProgress)] == list(range(1, 41))


def test_engine_error_shows_a_dialog_and_keeps_the_campaign_open(window, qtbot, home, tiny_prior, tmp_path):
    prior = tmp_path / "moved-prior"
    shutil.copytree(tiny_prior, prior)
    open_new(window, qtbot, home, prior)
    shutil.rmtree(prior)  # the engine cannot load its prior any more
    run_and_wait(qtbot, window, window.campaign_panel.start_button.click)
    dialog = window.last_error
    assert dialog is not None and dialog.isVisible()
    assert "not found" in dialog.message and "Traceback" in dialog.details
    dialog.copy_button.click()
    assert "not found" in QGuiApplication.clipboard().text()
    assert window.session.is_open and window.campaign_panel.start_button.isEnabled()
    dialog.close()


def test_close_and_reopen_shows_the_same_rows(window, qtbot, home, tiny_prior):
    folder = open_new(window, qtbot, home, tiny_prior)
    run_and_wait(qtbot, window, window.campaign_panel.step_button.click)
    model = window.candidates_panel.model
    before = [(c.id, c.item, c.score, model.data(model.index(r, SCORE))) for r, c in enumerate(model.records())]
    assert len(before) >= 8  # 8 new designs, and the draw's repeats top-up replaced
    window.close_action.trigger()
    assert not window.session.is_open and model.rowCount() == 0
    assert window.windowTitle() == "Designer"
    window._fill_recent()
    recent = [a for a in window.recent_menu.actions() if str(folder) in a.text()]
    assert recent, "the campaign is in Open recent"
    recent[0].trigger()
    wait_snapshot(qtbot, window)
    after = [(c.id, c.item, c.score, model.data(model.index(r, SCORE))) for r, c in enumerate(model.records())]
    assert after == before
    assert "RoundFinished" in window.log_panel.toPlainText()  # history from the store's event log


def test_closing_the_window_while_running_stops_the_engine_first(window, qtbot, home, tiny_prior):
    from designer_app.config import FinetuneConfig

    open_new(window, qtbot, home, tiny_prior, finetune=FinetuneConfig(steps=400, batch_size=8, grad_steps=2))
    with qtbot.waitSignal(
        window.session.engine_event, timeout=60000, check_params_cb=lambda e: isinstance(e, ev.FinetuneProgress)
    ):
        window.campaign_panel.start_button.click()
    window.close()
    assert window.isVisible() and window.session.is_running  # refused for now: the engine is stopping
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert not window.session.is_running and not window.session.is_open
