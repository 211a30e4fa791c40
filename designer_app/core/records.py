"""Typed records the store returns and the loop consumes (plain data, no database handles)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Round statuses, in order. Each transition is one committed transaction, so a crash resumes from
# the last status that was written.
PROPOSED, AWAITING, SCORED, FITTED, FINETUNED, DONE = (
    "proposed",
    "awaiting_scores",
    "scored",
    "fitted",
    "finetuned",
    "done",
)
ROUND_STATUSES = (PROPOSED, AWAITING, SCORED, FITTED, FINETUNED, DONE)


@dataclass(frozen=True)
class RoundRecord:
    """One round. `seconds` holds wall time per phase (propose, score, fit, finetune)."""

    index: int
    status: str
    batch_size: int
    started_at: str
    updated_at: str
    seconds: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class NewCandidate:
    """A candidate about to be stored.

    Attributes:
        item: canonical item (SMILES), or None when decoding failed.
        key: canonical key used to find duplicates ("" when item is None).
        feasible: whether the item may be sent to the oracle.
        reason: why it is infeasible.
        latent: the sampler's continuous output (the reward model's input), or None.
        predicted_mean, predicted_std, acquisition: reward-model view at proposal time.
        source: "model" (proposed by the sampler) or "user" (added or imported by the user).
    """

    item: str | None
    key: str
    feasible: bool
    reason: str = ""
    latent: list[float] | None = None
    predicted_mean: float | None = None
    predicted_std: float | None = None
    acquisition: float | None = None
    source: str = "model"


@dataclass(frozen=True)
class CandidateRecord:
    """A stored candidate with its effective score.

    `score` is the mean of its current ok measurements (edits replace, replicates average);
    `score_status` is "ok", "failed", "pending", or "unscored". Duplicates of an earlier candidate
    (`duplicate_of`) are never sent to the oracle again and show the original's score.
    """

    id: int
    round: int
    item: str | None
    key: str
    feasible: bool
    reason: str
    latent: list[float] | None
    predicted_mean: float | None
    predicted_std: float | None
    acquisition: float | None
    checkpoint_id: int | None
    source: str
    duplicate_of: int | None
    score: float | None = None
    score_status: str = "unscored"
    n_replicates: int = 0
    score_spread: float | None = None

    @property
    def measured_here(self) -> bool:
        """It has a final measurement of its own (ok or failed; a duplicate's copied score does not
        count): an oracle call was spent on it, and a round awaiting lab scores may go on with it
        (allow_partial)."""
        return self.duplicate_of is None and self.score_status in ("ok", "failed")

    @property
    def awaits_score(self) -> bool:
        """It still needs a measurement of its own: feasible, not a duplicate (those share their original's
        score), and no final (ok/failed) measurement yet, only none or a pending one. What a round
        awaiting lab scores waits for, and what the oracle is sent when a round is scored."""
        return self.feasible and self.duplicate_of is None and self.score_status in ("unscored", "pending")


@dataclass(frozen=True)
class MeasurementRecord:
    """An append-only measurement. A row with `replaces` set supersedes that earlier row (an edit)."""

    id: int
    candidate_id: int
    value: float | None
    status: str
    source: str
    note: str
    created_at: str
    replaces: int | None


@dataclass(frozen=True)
class CheckpointRecord:
    id: int
    round: int
    kind: str
    path: str
    sha256: str
    created_at: str


@dataclass(frozen=True)
class RoundSummary:
    """Per-round figures for `status --json`. best/mean are true scores of the round's candidates;
    prediction_gap = mean predicted score (by the reward model that guided this round's sampler)
    minus mean true score over the same candidates: large positive gaps signal over-optimisation;
    prediction_spearman = Spearman's rank correlation of the same predictions with the true scores: how well
    the reward model ranked the batch before it was measured (the honest figure of its quality, since the
    batch was chosen by it and never trained on);
    kl_to_prior is the KL of the model fine-tuned after this round to the shipped prior;
    infeasible_fraction is the share of proposals the domain or the oracle judged infeasible;
    selection holds the batch choice's figures when the round chose from a pool (SELECTION_FIGURES: pool
    size, new designs in it, infeasible samples in it, the batch's mean largest similarity to a design chosen
    before it, which model ranked) and `distilled`, the samples the item model labelled for the fit."""

    index: int
    status: str
    batch_size: int
    n_candidates: int
    n_scored: int
    n_feasible: int
    n_unique: int
    best: float | None
    mean: float | None
    seconds: dict[str, float]
    unique_fraction: float | None = None
    predicted_mean: float | None = None
    prediction_gap: float | None = None
    prediction_spearman: float | None = None
    kl_to_prior: float | None = None
    infeasible_fraction: float | None = None
    selection: dict[str, Any] = field(default_factory=dict)


SELECTION_FIGURES = ("pool_size", "pool_new", "pool_infeasible", "batch_max_similarity", "ranking_model", "distilled")


def finite(values) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]
