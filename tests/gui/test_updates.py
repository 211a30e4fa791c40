"""Coalesced panel updates: bursts of events and snapshots repaint once, plots keep their items."""

from __future__ import annotations

import gc
import sys

from designer_app import events as ev
from designer_app.gui import session as session_module
from designer_app.gui.plots import TrainingPlot, sticky_span
from designer_app.gui.snapshot import load_snapshot
from designer_app.gui.updates import UpdateScheduler

from .gui_helpers import make_campaign, run_and_wait, wait_snapshot
from .test_model_and_window import record


def steps(n: int, round_index: int = 1, start: int = 1, total: int = 60) -> list[ev.FinetuneProgress]:
    return [ev.FinetuneProgress(round_index, s, total, 1.0 + 0.001 * s, 0.1, -0.5) for s in range(start, start + n)]


def test_scheduler_applies_the_latest_request_once_and_heavy_ones_a_tick_apart(qtbot):
    updates = UpdateScheduler()
    seen = []
    for i in range(50):  # a burst: only the last state of each name matters
        updates.request("label", lambda i=i: seen.append(("label", i)))
        updates.request("plot-a", lambda i=i: seen.append(("plot-a", i)), heavy=True)
    updates.request("plot-b", lambda: seen.append(("plot-b", 0)), heavy=True)
    qtbot.waitUntil(lambda: ("plot-a", 49) in seen, timeout=2000)
    assert seen == [("label", 49), ("plot-a", 49)]  # the first tick: all light ones, one heavy one
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=2000)
    assert seen[-1] == ("plot-b", 0) and updates.pending() == []
    qtbot.wait(100)
    assert len(seen) == 3  # nothing runs again without a new request


def test_a_burst_of_fine_tuning_steps_redraws_the_existing_curves_once(window, qtbot):
    plot = window.training_plot
    curves = dict(plot.curves)
    items_before = {name: len(p.items) for name, p in plot.plots.items()}
    for event in steps(60):
        window.session.engine_event.emit(event)
    assert plot.steps() == 60 and plot.drawn_steps() == 0  # stored at once, drawn later
    qtbot.waitUntil(lambda: not plot.dirty(), timeout=3000)
    assert plot.drawn_steps() == 60
    # one redraw per curve, each at a tick of its own
    assert [window.updates.applied.count(f"training:{name}") for name in plot.NAMES] == [1, 1, 1]
    assert plot.curves == curves  # same items, new data
    # the same curves, plus the dashed line that marks where round 1 starts
    assert {name: len(p.items) - 1 for name, p in plot.plots.items()} == items_before
    assert "step=60" in window.log_panel.toPlainText()  # the log took the burst in one append too
    assert window.updates.applied.count("log") == 1


def test_training_range_stays_while_points_fit(qtbot):
    plot = TrainingPlot()
    qtbot.addWidget(plot)
    for event in steps(5):
        plot.add(event)
    plot.redraw()
    changes = {name: keeper.changes for name, keeper in plot.ranges.items()}
    for event in steps(4, start=6):  # same values, a few more steps: inside the kept range
        plot.add(event)
        plot.redraw()
    assert {name: keeper.changes for name, keeper in plot.ranges.items()} == changes
    assert plot.drawn_steps() == 9
    assert plot.ranges["reward"].view.viewRange()[0] == [0, 60]  # the whole round's steps from the start
    for event in steps(3, round_index=2, total=70):  # round 1 stopped after 9 steps; round 2 has 70
        plot.add(event)
    plot.redraw()
    assert plot.ranges["reward"].view.viewRange()[0] == [0, 79]  # grown once, to the end of round 2
    assert sticky_span(0.0, 1.0, 0.2, 0.8) is None
    assert sticky_span(0.0, 1.0, 0.2, 1.3) is not None  # data left the range: it grows
    assert sticky_span(0.0, 100.0, 0.2, 0.3) is not None  # data in a sliver of it: it shrinks


def test_a_burst_of_snapshots_updates_the_table_once(window, qtbot, home, tiny_prior):
    folder = make_campaign(home, tiny_prior)
    assert window.open_campaign(folder)
    snap = wait_snapshot(qtbot, window)
    before = {name: window.updates.applied.count(name) for name in ("candidates", "reward", "regret")}
    for _ in range(20):
        window.session.snapshot_ready.emit(snap)
    qtbot.waitUntil(lambda: not window.updates.pending(), timeout=3000)
    assert {name: window.updates.applied.count(name) - n for name, n in before.items()} == {
        "candidates": 1,
        "reward": 1,
        "regret": 1,
    }


def test_incremental_snapshot_reads_only_the_changed_rounds(home, tiny_prior):
    folder = make_campaign(home, tiny_prior)
    full = load_snapshot(folder, None)
    kept = record(90, round=2)  # a row of an unchanged round, known only to the previous snapshot
    previous = full.__class__(full.folder, full.config, full.rounds, (kept,), None, full.state)
    assert load_snapshot(folder, None, previous, changed_rounds={1}).candidates == (kept,)
    assert load_snapshot(folder, None, previous, changed_rounds={2}).candidates == ()  # round 2 read again
    assert load_snapshot(folder, None, previous).candidates == ()  # no rounds named: everything


def test_engine_run_restores_interpreter_settings(window, qtbot, home, tiny_prior, monkeypatch):
    monkeypatch.setattr(session_module, "_engine_loaded", False)  # as in a fresh process
    monkeypatch.setattr(session_module.warmup, "is_warm", lambda: False)  # and no warm-up ran
    interval, frozen = sys.getswitchinterval(), gc.get_freeze_count()
    seen = {}

    def on_event(event):
        seen.setdefault("interval", sys.getswitchinterval())
        seen.setdefault("gc", gc.isenabled())

    window.session.engine_event.connect(on_event)
    folder = make_campaign(home, tiny_prior)
    assert window.open_campaign(folder)
    wait_snapshot(qtbot, window)
    run_and_wait(qtbot, window, window.campaign_panel.step_button.click)
    window.session.engine_event.disconnect(on_event)
    assert seen["interval"] <= session_module.ENGINE_SWITCH_INTERVAL  # shorter while the engine runs
    assert seen["gc"] and gc.isenabled() and gc.get_freeze_count() > frozen  # collector on, model frozen
    assert sys.getswitchinterval() == interval


def test_torch_threads_leave_a_core_to_the_gui(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(session_module.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert session_module.engine_torch_threads() == 1
    monkeypatch.setattr(session_module.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert session_module.engine_torch_threads() == 7
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert session_module.engine_torch_threads() is None  # the user's choice stands


def test_engine_failure_before_the_first_event_reenables_gc(monkeypatch):
    monkeypatch.setattr(session_module, "_engine_loaded", False)
    monkeypatch.setattr(session_module.warmup, "is_warm", lambda: False)

    def failing_run(*args, **kwargs):  # the signature of campaigns.run_folder (allow_partial is a keyword)
        raise RuntimeError("prior missing")
        yield  # pragma: no cover - makes this a generator

    monkeypatch.setattr(session_module.campaigns, "run_folder", failing_run)
    events = session_module.engine_events("/nowhere/c", 1, lambda: False)
    try:
        next(events)
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_score_plots_keep_their_items_and_redraw_only_changed_rounds(qtbot):
    from types import SimpleNamespace

    from designer_app.gui.plots import RegretPlot, RewardDistributionPlot
    from designer_app.gui.snapshot import Snapshot

    def snap(n_rounds: int) -> Snapshot:
        rows = tuple(
            record(i, round=1 + (i - 1) // 8, score=0.1 * (i % 8), score_status="ok", n_replicates=1)
            for i in range(1, 8 * n_rounds + 1)
        )
        rounds = tuple(SimpleNamespace(index=r) for r in range(1, n_rounds + 1))
        return Snapshot(None, None, rounds, rows, 1.0, "in_progress")

    reward, regret = RewardDistributionPlot(), RegretPlot()
    qtbot.addWidget(reward)
    qtbot.addWidget(regret)
    reward.update_from(snap(1))
    regret.update_from(snap(1))
    first_round_items = reward._items[1]
    curves = (regret.scores, regret.best, regret.regret)
    n_items = len(regret.best_plot.items), len(reward.plot.getPlotItem().items)
    reward.update_from(snap(2))
    regret.update_from(snap(2))
    assert reward._items[1] is first_round_items and reward.point_count() == 16  # round 1 untouched
    assert (regret.scores, regret.best, regret.regret) == curves
    assert len(regret.best.getData()[0]) == 16
    assert len(regret.best_plot.items) == n_items[0]
    assert len(reward.plot.getPlotItem().items) == n_items[1] + 2  # one box and one set of dots added


def test_table_updates_in_id_order_ask_the_model_nothing(qtbot, monkeypatch):
    """Sorting by id (the default) and no filter: inserting and changing rows costs no Python call per
    row, which while the engine runs would each wait for the interpreter lock."""
    import dataclasses

    from PySide6.QtCore import Qt

    from designer_app.gui.candidates_model import ID, CandidateFilterProxy, CandidateTableModel

    from .test_model_and_window import sample_rows

    model, proxy = CandidateTableModel(), CandidateFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(ID, Qt.SortOrder.AscendingOrder)
    calls = []
    original = CandidateTableModel.data
    monkeypatch.setattr(CandidateTableModel, "data", lambda self, *a: calls.append(a) or original(self, *a))
    rows = sample_rows(1000)
    model.set_rows(rows[:872])
    model.set_rows(rows)  # a round of 128 proposed
    model.set_rows([dataclasses.replace(r, score=0.5, score_status="ok") if r.id > 872 else r for r in rows])
    assert proxy.rowCount() == 1000 and calls == []
    proxy.set_status("scored")  # filtering does ask the model: the counter works
    assert calls and proxy.rowCount() == sum(1 for r in range(1000) if model.status_of(r) == "scored") > 128
