"""A campaign folder opened from outside `<home>/campaigns/<name>`, and engine errors that are RuntimeErrors.

The window runs the folder it opened (campaigns.run_folder): a copy from a colleague runs where it is, and
a different campaign of the same name (e.g. in the folder's grandparent's campaigns folder) is never
touched. superqt's GeneratorWorker swallows a RuntimeError raised by a generator (no `errored`, no
`finished`), so the session must hand every engine exception to the GUI itself and go back to idle.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from designer_app import campaigns
from designer_app import events as ev
from designer_app.store import CampaignStore, StoreError

from .gui_helpers import make_campaign, run_and_wait, wait_snapshot


def rounds_of(folder: Path) -> list:
    with CampaignStore.open_read_only(folder) as store:
        return store.rounds()


def collect_errors(session) -> list[tuple[str, str, str]]:
    errors: list[tuple[str, str, str]] = []
    session.error.connect(lambda title, message, details: errors.append((title, message, details)))
    return errors


def test_a_copied_campaign_opened_elsewhere_runs_there_and_no_other_campaign_is_touched(
    window, qtbot, home, tiny_prior, tmp_path
):
    source = make_campaign(home, tiny_prior, "lab1")
    copy = tmp_path / "shared" / "from_colleague" / "lab1"
    shutil.copytree(source, copy)
    # The copy's grandparent holds a DIFFERENT campaign named lab1: the old session ran that one
    # (campaigns.run("lab1", <grandparent>)).
    other = make_campaign(tmp_path / "shared", tiny_prior, "lab1", seed=7)
    other_db = (other / CampaignStore.DB_NAME).stat().st_mtime_ns
    assert window.open_campaign(copy)
    wait_snapshot(qtbot, window)
    errors = collect_errors(window.session)
    events = run_and_wait(qtbot, window, window.campaign_panel.start_button.click)
    assert errors == [] and isinstance(events[-1], ev.CampaignFinished)
    assert wait_snapshot(qtbot, window, lambda s: s.state == "finished").folder == copy.resolve()
    assert len(rounds_of(copy)) == 2
    assert rounds_of(other) == [] and rounds_of(source) == []
    assert (other / CampaignStore.DB_NAME).stat().st_mtime_ns == other_db


@pytest.mark.parametrize(
    "error",
    [
        StoreError("checkpoint checkpoints/round_001_denoiser.safetensors is missing"),
        campaigns.CampaignError("no campaign named 'c'"),
        ValueError("an ordinary exception"),
    ],
)
def test_an_engine_exception_reaches_the_error_signal_and_the_session_goes_idle(
    window, qtbot, home, tiny_prior, monkeypatch, error
):
    folder = make_campaign(home, tiny_prior, "c")
    assert window.open_campaign(folder)
    wait_snapshot(qtbot, window)

    def failing_run(folder_, max_rounds=None, should_stop=lambda: False, allow_partial=False):
        assert Path(folder_) == folder.resolve()
        yield ev.LogMessage(level="info", text="about to fail")  # an error after events, as a real run's
        raise error

    monkeypatch.setattr(campaigns, "run_folder", failing_run)
    session = window.session
    errors = collect_errors(session)
    states: list[bool] = []
    session.error.connect(lambda *args: states.append(session.is_running))
    with qtbot.waitSignal(session.run_finished, timeout=10000):
        window.campaign_panel.start_button.click()
        assert session.is_running
    assert not session.is_running and not session.is_paused
    assert len(errors) == 1 and states == [False]  # the dialog comes when the session is idle again
    title, message, details = errors[0]
    assert type(error).__name__ in message and str(error) in message and "Traceback" in details
    assert window.last_error is not None and window.last_error.isVisible()
    window.last_error.close()
    panel = window.campaign_panel
    assert panel.start_button.isEnabled() and panel.step_button.isEnabled()
    assert not panel.stop_button.isEnabled() and not panel.pause_button.isEnabled()
    assert window.open_action.isEnabled()  # the window is not stuck "running"


def test_a_missing_checkpoint_is_reported_and_the_window_is_not_stuck(window, qtbot, home, tiny_prior):
    folder = make_campaign(home, tiny_prior, "c")
    assert window.open_campaign(folder)
    wait_snapshot(qtbot, window)
    run_and_wait(qtbot, window, window.campaign_panel.step_button.click)
    wait_snapshot(qtbot, window, lambda s: s.rounds and s.rounds[0].status == "done")
    # Round 2 samples from round 1's fine-tuned model: the store raises a StoreError (a RuntimeError).
    (folder / "checkpoints" / "round_001_denoiser.safetensors").unlink()
    errors = collect_errors(window.session)
    run_and_wait(qtbot, window, window.campaign_panel.start_button.click)
    assert not window.session.is_running
    assert len(errors) == 1
    _, message, details = errors[0]
    assert message.startswith("StoreError: checkpoint") and "is missing" in message and "Traceback" in details
    assert window.last_error.isVisible()
    window.last_error.close()
    assert window.session.is_open and window.campaign_panel.start_button.isEnabled()
    assert len(rounds_of(folder)) == 1  # nothing new was committed
