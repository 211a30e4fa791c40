"""Going on with a partly scored round from the window ("Continue with the scored ones")."""

from __future__ import annotations

from designer_app.gui.campaign_panel import PARTIAL_TEXT

from .gui_helpers import make_campaign, run_and_wait, wait_snapshot
from .test_lab import awaiting, pending_ids, type_score


def kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


def score_of(snap, cid: int) -> float | None:
    return next(c for c in snap.candidates if c.id == cid).score


def test_continue_with_the_scored_ones(window, qtbot, home, tiny_prior):
    awaiting(window, qtbot, home, tiny_prior, "partial")
    panel, banner = window.campaign_panel, window.candidates_panel.banner
    button = panel.partial_button
    assert button.text() == PARTIAL_TEXT and button.isVisible() and banner.partial_button.isVisible()
    assert "stay pending" in button.toolTip() and "count when they arrive" in button.toolTip()
    assert not button.isEnabled() and not banner.partial_button.isEnabled()  # nothing scored yet

    waiting = pending_ids(window)
    first, second, third, rest = waiting[0], waiting[1], waiting[2], waiting[3:]
    assert rest, "the test needs candidates left unscored"
    type_score(qtbot, window, first, "0.5")
    wait_snapshot(qtbot, window, lambda s: s.scored_in_awaiting() == 1)
    assert button.isEnabled() and banner.partial_button.isEnabled()  # one score is enough to go on
    type_score(qtbot, window, second, "failed")  # a failed measurement is final too
    type_score(qtbot, window, third, "0.125")  # the reward model needs two numbers to fit
    wait_snapshot(qtbot, window, lambda s: s.scored_in_awaiting() == 3)

    events = run_and_wait(qtbot, window, button.click)
    assert "RewardFitted" in kinds(events) and "RoundFinished" in kinds(events)
    assert kinds(events)[-1] == "ScoresAwaited" and events[-1].round == 2
    snap = wait_snapshot(qtbot, window, lambda s: len(s.rounds) == 2 and s.awaiting_round is not None)
    assert snap.rounds[0].status == "done" and snap.awaiting_round.index == 2
    store = window.session.store
    still = {c.id: c.score_status for c in store.candidates(1) if c.id in rest}
    assert set(still) == set(rest) and set(still.values()) <= {"unscored", "pending"}  # still pending
    assert not button.isEnabled()  # round 2 has no score yet

    # a late score of round 1 is stored and counts as an oracle call
    calls = snap.oracle_calls
    type_score(qtbot, window, rest[0], "0.25")
    snap = wait_snapshot(qtbot, window, lambda s: score_of(s, rest[0]) == 0.25)
    assert [(m.value, m.source) for m in store.measurements(rest[0])] == [(0.25, "edit")]
    assert snap.oracle_calls == calls + 1 and snap.rounds[0].status == "done"

    # allow_partial held for that run only: the plain Continue waits for all of round 2's scores
    round2 = pending_ids(window)
    type_score(qtbot, window, round2[0], "0.75")
    wait_snapshot(qtbot, window, lambda s: s.scored_in_awaiting() == 1)
    events = run_and_wait(qtbot, window, panel.start_button.click)
    assert kinds(events)[-1] == "ScoresAwaited" and "RewardFitted" not in kinds(events)
    snap = wait_snapshot(qtbot, window, lambda s: s.state == "awaiting_scores")
    assert snap.awaiting_round.index == 2 and len(snap.waiting()) == len(round2) - 1


def test_partial_button_hidden_unless_scores_are_awaited(window, qtbot, home, tiny_prior):
    window.open_campaign(make_campaign(home, tiny_prior, "auto"))
    wait_snapshot(qtbot, window)
    assert not window.campaign_panel.partial_button.isVisible()
    assert not window.candidates_panel.banner.isVisible()
