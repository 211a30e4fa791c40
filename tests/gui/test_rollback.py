"""Rolling a round back from the window (Campaign ▸ Roll back round…, or the Campaign panel's button)."""

from __future__ import annotations

import pytest

from designer_app import campaigns
from designer_app.gui.campaign_panel import ROLLBACK_TEXT
from designer_app.store import CampaignStore

from .gui_helpers import make_campaign, run_and_wait, wait_snapshot
from .test_lab import awaiting, pending_ids, type_score


def kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


def scores(snap) -> dict[int, tuple[float | None, str]]:
    return {c.id: (c.score, c.score_status) for c in snap.candidates}


def measurements(folder) -> list[tuple]:
    with CampaignStore.open(folder) as store:
        return [(m.id, m.candidate_id, m.value, m.status) for m in store.measurements()]


def roll_back(qtbot, window, trigger, round_index: int | None = None):
    """Open the dialog with `trigger`, choose `round_index` (None: keep the default), confirm; return
    the dialog's plan and the snapshot after the rollback."""
    trigger()
    dialog = window.rollback_dialog
    assert dialog is not None and dialog.isVisible()
    if round_index is not None:
        dialog.round.setCurrentIndex(dialog.round.findData(round_index))
    plan = dialog.plan()
    dialog.roll_back_button.click()
    assert not dialog.isVisible()
    snap = wait_snapshot(
        qtbot,
        window,
        lambda s: (
            all(r.status == "proposed" for r in s.rounds if r.index >= plan.first)
            and len(s.candidates) == len(dialog.snapshot.candidates) - plan.discarded
        ),
    )
    return plan, snap


def test_roll_back_keeps_measurements_and_the_next_run_proposes_again(window, qtbot, home, tiny_prior):
    folder = awaiting(window, qtbot, home, tiny_prior, "rollback")
    panel, table = window.campaign_panel, window.candidates_panel.model
    assert window.rollback_action.isEnabled() and panel.rollback_button.isEnabled()
    assert panel.rollback_button.text() == ROLLBACK_TEXT

    # round 1 goes on with three scores (so it has a reward model and a fine-tuned model), round 2 waits
    first, second, third, *rest1 = pending_ids(window)
    for n, (cid, text) in enumerate(((first, "0.5"), (second, "failed"), (third, "0.125")), start=1):
        type_score(qtbot, window, cid, text)
        wait_snapshot(qtbot, window, lambda s: s.scored_in_awaiting() == n)  # noqa: B023 - waited on here
    run_and_wait(qtbot, window, panel.partial_button.click)
    wait_snapshot(qtbot, window, lambda s: s.awaiting_round is not None and s.awaiting_round.index == 2)
    steps_round1 = window.training_plot.steps()
    assert steps_round1 > 0
    scored2 = pending_ids(window)[0]
    type_score(qtbot, window, scored2, "0.75")
    before = wait_snapshot(qtbot, window, lambda s: s.scored_in_awaiting() == 1)
    round2 = [c.id for c in before.candidates if c.round == 2]
    unscored2 = [cid for cid in round2 if cid != scored2]  # unscored, infeasible and duplicates
    measured_before = measurements(folder)

    # Campaign ▸ Roll back round…: the latest round by default, said plainly, Cancel is the default button
    plan, snap = roll_back(qtbot, window, window.rollback_action.trigger)
    dialog = window.rollback_dialog
    text = dialog.explanation.text()
    assert dialog.round.count() == 2 and plan.first == 2 and plan.rounds == (2,)
    assert "cannot be undone" in text and "Kept: every measurement" in text and "checkpoints/discarded" in text
    assert "propose" in text and "round 2 again" in text
    assert not dialog.roll_back_button.isDefault()
    assert plan.discarded == len(unscored2) and plan.kept == 1
    assert all(table.row_of(cid) is None for cid in unscored2)  # gone from the table...
    assert table.row_of(scored2) is not None and scores(snap)[scored2] == (0.75, "ok")
    with CampaignStore.open(folder) as store:  # ...and from the store (flagged, never deleted)
        assert [c.id for c in store.candidates(2)] == [scored2]
        assert {c.id for c in store.candidates(2, include_discarded=True)} == set(round2)
        assert [r.status for r in store.rounds()] == ["done", "proposed"]
    assert measurements(folder) == measured_before
    assert {cid: v for cid, v in scores(snap).items() if cid != scored2} == {
        cid: v for cid, v in scores(before).items() if cid not in round2
    }  # round 1 untouched
    message = window.statusBar().currentMessage()
    assert f"rolled back round(s) 2: {len(unscored2)} unscored proposals and 0 model file(s)" in message
    assert "1 measured candidates kept" in message and message in window.log_panel.toPlainText()
    assert not window.candidates_panel.banner.isVisible() and panel.start_button.text() == "Continue"
    assert window.training_plot.steps() == steps_round1  # round 2 fine-tuned nothing yet

    # the panel's button, round 1 chosen: rounds 1–2 go back with round 1's models
    plan, snap = roll_back(qtbot, window, panel.rollback_button.click, round_index=1)
    assert plan.rounds == (1, 2) and "rounds 1–2" in window.rollback_dialog.explanation.text()
    kept = {first, second, third, scored2}
    assert {c.id for c in snap.candidates} == kept and all(table.row_of(cid) is None for cid in rest1)
    assert {cid: scores(snap)[cid] for cid in (first, second, third)} == {
        first: (0.5, "ok"),
        second: (None, "failed"),
        third: (0.125, "ok"),
    }
    assert measurements(folder) == measured_before
    discarded = sorted(p.name for p in (folder / "checkpoints" / "discarded").iterdir())
    assert len(discarded) == 2 and "2 model file(s) discarded" in window.statusBar().currentMessage()
    assert window.training_plot.steps() == 0  # its curves belonged to the discarded model

    # Continue proposes round 1 again: fresh candidates, the measured ones still there; the rollback
    # is impossible while the engine runs
    def start_and_check() -> None:
        panel.start_button.click()
        assert not window.rollback_action.isEnabled() and not panel.rollback_button.isEnabled()
        assert window.rollback_round() is None

    events = run_and_wait(qtbot, window, start_and_check)
    assert "CandidatesProposed" in kinds(events) and events[-1].round == 1
    snap = wait_snapshot(qtbot, window, lambda s: s.awaiting_round is not None and s.awaiting_round.index == 1)
    fresh = [c.id for c in snap.candidates if c.id not in kept]
    assert fresh and min(fresh) > max(round2) and all(table.row_of(cid) is not None for cid in fresh)
    assert {c.round for c in snap.candidates if c.id in fresh} == {1}
    assert scores(snap)[first] == (0.5, "ok") and window.rollback_action.isEnabled()


def test_rollback_needs_a_round_and_a_stopped_engine(window, qtbot, home, tiny_prior):
    assert not window.rollback_action.isEnabled()  # no campaign
    folder = make_campaign(home, tiny_prior, "guard")
    window.open_campaign(folder)
    wait_snapshot(qtbot, window)
    assert not window.rollback_action.isEnabled() and not window.campaign_panel.rollback_button.isEnabled()
    assert window.rollback_round() is None  # no round yet

    def step_and_check() -> None:
        window.campaign_panel.step_button.click()
        assert not window.rollback_action.isEnabled() and not window.campaign_panel.rollback_button.isEnabled()
        window.rollback_action.trigger()  # a disabled action does nothing
        assert window.rollback_dialog is None and window.rollback_round() is None
        with pytest.raises(campaigns.CampaignError, match="stop the running campaign"):
            window.session.rollback()

    run_and_wait(qtbot, window, step_and_check)
    snap = wait_snapshot(qtbot, window, lambda s: s.rounds and s.rounds[0].status == "done")
    assert window.rollback_action.isEnabled() and window.campaign_panel.rollback_button.isEnabled()

    dialog = window.rollback_round()  # Cancel changes nothing
    dialog.reject()
    assert wait_snapshot(qtbot, window).candidates == snap.candidates and snap.rounds[0].status == "done"

    assert window._run_rollback(99) is None  # the store's own check: the error dialog, campaign open
    assert window.last_error is not None and window.last_error.isVisible()
    assert "round 99 does not exist" in window.last_error.message and "still open" in window.last_error.message
    assert window.session.is_open and window.rollback_action.isEnabled()
    window.last_error.close()


def test_training_plot_forgets_the_rolled_back_rounds(qtbot):
    from designer_app import events as ev
    from designer_app.gui.plots import TrainingPlot

    plot = TrainingPlot()
    qtbot.addWidget(plot)
    for round_index in (1, 2, 3):
        for step in range(1, 4):
            plot.add(ev.FinetuneProgress(round_index, step, 3, 0.1 * step, 0.01, 1.0 / step))
    plot.redraw()
    assert plot.steps() == plot.drawn_steps() == 9 and len(plot._marks) == 3 * len(plot.NAMES)
    plot.drop_rounds(4)  # no such steps: nothing changes
    assert plot.steps() == 9
    plot.drop_rounds(2)
    plot.redraw()
    assert plot.steps() == plot.drawn_steps() == 3 and len(plot._marks) == len(plot.NAMES)  # round 1 only
    plot.add(ev.FinetuneProgress(2, 1, 3, 0.5, 0.01, 1.0))  # round 2 fine-tuned again: marked again
    plot.redraw()
    assert plot.steps() == plot.drawn_steps() == 4 and len(plot._marks) == 2 * len(plot.NAMES)
