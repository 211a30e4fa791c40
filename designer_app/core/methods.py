"""What each method does in the shared loop (DESIGN.md section 1), so comparisons are fair.

A method decides: how a round's candidates are proposed (sampled from the current model, or evolved from
the measured items by the `ga` baseline), whether the reward model is fitted, whether the sampler is
fine-tuned after a round, and which optimistic reward r_tilde fine-tuning maximises.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from designer_app.config import CampaignConfig


@dataclass(frozen=True)
class Acquisition:
    """The optimistic reward of one round.

    Attributes:
        kind: "ucb-gram", "ucb-std", "max", "head" or "mean" (see models.reward.RewardEnsemble.optimistic).
        beta: bonus weight for the UCB kinds.
        head: the bootstrap head drawn for Thompson sampling.
    """

    kind: str
    beta: float = 1.0
    head: int = 0


@dataclass(frozen=True)
class MethodPlan:
    """How a method runs round `round_index` (1-based) of a campaign.

    Attributes:
        fit: fit the reward model after scoring.
        finetune: fine-tune the sampler after fitting.
        acquisition: the optimistic reward fine-tuning maximises (and proposals are annotated with).
        evolve: propose by recombining and mutating measured items (Engine.evolve) instead of sampling.
    """

    fit: bool
    finetune: bool
    acquisition: Acquisition
    evolve: bool = False


def plan(cfg: CampaignConfig, round_index: int) -> MethodPlan:
    """The plan for one round. The last round is measured but never fine-tuned after (nothing would
    sample the result); it is still fitted so exported candidates carry predictions."""
    last = round_index >= len(cfg.batch_sizes())
    method = cfg.method
    if method == "pretrained":
        return MethodPlan(fit=False, finetune=False, acquisition=Acquisition("mean"))
    if method == "ga":
        # Round 1 samples the prior like every method (a fair start); later rounds evolve the measured
        # items. The reward model is still fitted so the prediction gap is comparable across methods.
        return MethodPlan(fit=True, finetune=False, acquisition=Acquisition("mean"), evolve=round_index > 1)
    if method == "seiko-ucb":
        kind = "ucb-gram" if cfg.bonus == "gram" else "ucb-std"
        acq = Acquisition(kind, beta=cfg.beta)
    elif method == "seiko-bootstrap":
        acq = Acquisition("max")
    elif method == "seiko-ts":
        # A real posterior sample: one whole bootstrap head, drawn per round, reproducible from the seed.
        acq = Acquisition("head", head=random.Random(cfg.seed * 1000 + round_index).randrange(cfg.reward.n_heads))
    elif method in ("greedy", "non-adaptive"):
        acq = Acquisition("mean")
    else:
        raise ValueError(f"unknown method {method}")
    if cfg.exploit_last and round_index == len(cfg.batch_sizes()) - 1:
        # This fine-tune makes the model that proposes the last batch; nothing is fitted to what that
        # batch measures afterwards, so the bonus's exploration would be spent for no later round.
        acq = Acquisition("mean")
    return MethodPlan(fit=True, finetune=not last, acquisition=acq)


def finetune_steps(cfg: CampaignConfig) -> int:
    """non-adaptive fine-tunes once with the compute the adaptive methods spend over all rounds."""
    if cfg.method == "non-adaptive":
        return cfg.finetune.steps * (cfg.rounds - 1)
    return cfg.finetune.steps
