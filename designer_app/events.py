"""Events the campaign loop yields. The CLI prints them; the GUI renders them; the store logs them.

Every event is a frozen dataclass with JSON-friendly fields, so it can be logged and replayed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    def to_json(self) -> dict[str, Any]:
        return {"event": type(self).__name__, **dataclasses.asdict(self)}


@dataclass(frozen=True)
class RoundStarted(Event):
    round: int
    batch_size: int


@dataclass(frozen=True)
class CandidatesProposed(Event):
    """A batch was sampled, decoded and stored."""

    round: int
    n: int
    n_feasible: int
    n_unique: int
    seconds: float


@dataclass(frozen=True)
class ScoresAwaited(Event):
    """The round waits for lab scores (manual oracle, or pending measurements)."""

    round: int
    n_waiting: int


@dataclass(frozen=True)
class ScoresRecorded(Event):
    round: int
    n_ok: int
    n_failed: int
    best: float | None
    mean: float | None
    seconds: float
    # Spearman of the reward model's predictions (made when the batch was proposed) with these scores
    spearman: float | None = None


@dataclass(frozen=True)
class RewardFitted(Event):
    round: int
    n_train: int
    train_r2: float
    cv_spearman: float
    seconds: float


@dataclass(frozen=True)
class FinetuneProgress(Event):
    """One optimiser step of SEIKO fine-tuning (optimistic reward, KL to the anchor, loss)."""

    round: int
    step: int
    total_steps: int
    reward: float
    kl: float
    loss: float


@dataclass(frozen=True)
class FinetuneFinished(Event):
    """Fine-tuning of a round ended; kl_to_prior is the new model's KL to the shipped prior."""

    round: int
    steps: int
    seconds: float
    kl_to_prior: float


@dataclass(frozen=True)
class RoundFinished(Event):
    round: int
    best_so_far: float | None
    oracle_calls: int
    seconds: float


@dataclass(frozen=True)
class CampaignFinished(Event):
    best_so_far: float | None
    oracle_calls: int


@dataclass(frozen=True)
class Stopped(Event):
    """The user asked to stop; the campaign resumes from `status` of `round`."""

    round: int
    status: str


@dataclass(frozen=True)
class LogMessage(Event):
    level: str
    text: str
