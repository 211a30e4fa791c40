"""Progress of a running campaign from its events: a fraction, a phase text and an ETA.

Plain Python (no Qt) so the arithmetic is tested without widgets. A round is split into phases with
fixed weights, which is rough, but the ETA is re-estimated from the measured pace at every event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from designer_app import events as ev

# Share of a round spent in each phase, used only to turn events into a fraction.
_PROPOSED, _SCORED, _FITTED = 0.3, 0.5, 0.6


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows: `fraction` of the whole campaign (0..1), the phase text, and the
    estimated seconds until this run's goal (None while unknown or while waiting for the lab)."""

    fraction: float
    text: str
    eta_seconds: float | None


class ProgressTracker:
    """Turns the events of one run into `Progress`.

    Args:
        n_rounds: rounds in the campaign.
        done_rounds: rounds already done when the run starts.
        goal_rounds: rounds that will be done when this run ends (for the ETA).
        clock: seconds, monotonic (injectable for tests).
    """

    def __init__(
        self,
        n_rounds: int,
        done_rounds: int,
        goal_rounds: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.n_rounds = max(1, n_rounds)
        self.done = done_rounds
        self.goal = min(self.n_rounds, goal_rounds if goal_rounds is not None else self.n_rounds)
        self.clock = clock
        self.t0 = clock()
        self.p0 = self.done / self.n_rounds
        self.round_fraction = 0.0
        self.current = Progress(self.p0, "starting…", None)

    def update(self, event: ev.Event) -> Progress:
        text, waiting = self._phase(event)
        fraction = min(1.0, (self.done + self.round_fraction) / self.n_rounds)
        self.current = Progress(fraction, text, None if waiting else self._eta(fraction))
        return self.current

    def _phase(self, e: ev.Event) -> tuple[str, bool]:
        """Phase text after `e`, and whether the run now waits for someone (no ETA then)."""
        n = self.n_rounds
        if isinstance(e, ev.RoundStarted):
            self.round_fraction = 0.0
            return f"Round {e.round}/{n}: proposing {e.batch_size} candidates", False
        if isinstance(e, ev.CandidatesProposed):
            self.round_fraction = _PROPOSED
            return f"Round {e.round}/{n}: scoring {e.n_unique} unique candidates", False
        if isinstance(e, ev.ScoresAwaited):
            self.round_fraction = _PROPOSED
            return f"Round {e.round}/{n}: waiting for {e.n_waiting} lab scores", True
        if isinstance(e, ev.ScoresRecorded):
            self.round_fraction = _SCORED
            return f"Round {e.round}/{n}: fitting the reward model", False
        if isinstance(e, ev.RewardFitted):
            self.round_fraction = _FITTED
            return f"Round {e.round}/{n}: fine-tuning", False
        if isinstance(e, ev.FinetuneProgress):
            self.round_fraction = _FITTED + (1 - _FITTED) * e.step / max(1, e.total_steps)
            return f"Round {e.round}/{n}: fine-tuning step {e.step}/{e.total_steps}", False
        if isinstance(e, ev.FinetuneFinished):
            self.round_fraction = 1.0
            return f"Round {e.round}/{n}: saving", False
        if isinstance(e, ev.RoundFinished):
            self.done = max(self.done, e.round)
            self.round_fraction = 0.0
            return f"Round {e.round}/{n} done", False
        if isinstance(e, ev.CampaignFinished):
            self.done, self.round_fraction = self.n_rounds, 0.0
            return "Campaign finished", True
        if isinstance(e, ev.Stopped):
            return f"Stopped in round {e.round} ({e.status}); Start resumes from there", True
        return self.current.text, False

    def _eta(self, fraction: float) -> float | None:
        elapsed = self.clock() - self.t0
        gained = fraction - self.p0
        goal = self.goal / self.n_rounds
        if gained <= 1e-3 or elapsed < 0.5:
            return None
        return max(0.0, elapsed * (goal - fraction) / gained)


def format_eta(seconds: float | None) -> str:
    """ "ETA 1 min 05 s"; empty when unknown."""
    if seconds is None:
        return ""
    s = int(round(seconds))
    if s < 60:
        return f"ETA {s} s"
    if s < 3600:
        return f"ETA {s // 60} min {s % 60:02d} s"
    return f"ETA {s // 3600} h {(s % 3600) // 60:02d} min"
