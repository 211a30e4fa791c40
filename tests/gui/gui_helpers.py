"""Helpers shared by the GUI tests (a module of its own: two conftest.py files cannot be imported by name)."""

from __future__ import annotations

from pathlib import Path

from designer_app import campaigns
from designer_app.config import CampaignConfig, FinetuneConfig, RewardConfig

TINY_LINES = (
    "sample_steps=6\nfinetune.steps=3\nfinetune.batch_size=8\nfinetune.grad_steps=2\n"
    "reward.epochs=20\nreward.n_heads=3\nreward.hidden=8"
)


def tiny_config(name: str, prior: Path, oracle: str = "qed", **kw) -> CampaignConfig:
    settings = dict(
        sample_steps=6,
        finetune=FinetuneConfig(steps=3, batch_size=8, grad_steps=2),
        reward=RewardConfig(epochs=20, n_heads=3, hidden=8),
        rounds=2,
        batch_size=8,
    )
    settings.update(kw)
    return CampaignConfig(name=name, prior=str(prior), oracle=oracle, **settings)


def make_campaign(home: Path, prior: Path, name: str = "c", oracle: str = "qed", **kw) -> Path:
    return campaigns.create(tiny_config(name, prior, oracle, **kw), home)


def wait_snapshot(qtbot, window, predicate=lambda snap: True, timeout: int = 10000):
    """Wait until the window shows a snapshot satisfying `predicate`."""
    qtbot.waitUntil(
        lambda: (
            window.session.snapshot is not None and not window.session.is_loading and predicate(window.session.snapshot)
        ),
        timeout=timeout,
    )
    # The panels take the snapshot in at the next ticks of the window's update timer; apply them now
    # so the assertions that follow see it.
    window.updates.flush()
    return window.session.snapshot


def run_and_wait(qtbot, window, action, timeout: int = 120000) -> list:
    """Trigger `action` (which starts the engine), wait until the run ends, return its events."""
    received = []
    window.session.engine_event.connect(received.append)
    try:
        with qtbot.waitSignal(window.session.run_finished, timeout=timeout):
            action()
            assert window.session.is_running  # the call returned while the engine works on its thread
    finally:
        window.session.engine_event.disconnect(received.append)
    wait_snapshot(qtbot, window)
    return received
