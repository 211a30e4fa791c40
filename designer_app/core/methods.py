"""The method table: what each method does in the shared loop (DESIGN.md section 1), so comparisons are fair.

A method decides: how a round's candidates are proposed (sampled from the current model, or evolved from
the measured items by the `ga` baseline), whether the reward model is fitted, whether the sampler is
fine-tuned after a round, and which optimistic reward r_tilde fine-tuning maximises.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from designer_app.config import CampaignConfig
from designer_app.registry import METHODS


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
        select: draw a pool of `selection.pool` x the batch and choose the batch from it by `acquisition`
            with the diversity rule (core/selection.py), instead of measuring the first draw.
        operator: how an evolving method breeds: "tokens" (AdaLead-style, models/evolution.py) or "graph"
            (Graph GA on molecular graphs, models/molecules/graph_ga.py).
        screen: propose random items of the screening library (Engine.screen) instead of sampling.
    """

    fit: bool
    finetune: bool
    acquisition: Acquisition
    evolve: bool = False
    select: bool = False
    operator: str = "tokens"
    screen: bool = False


@dataclass(frozen=True)
class Method:
    """One entry of the method table (registered in the entry-point group `designer_app.methods`).

    Attributes:
        name: as `--method` takes it.
        description: one line for `designer-app list methods`, the CLI help and the wizard.
        acquisition: the optimistic reward a fine-tuning round maximises, from the config and the round
            index; None for the methods that never fine-tune.
        optimistic: the acquisition adds optimism to the mean (only these explore, so only they have a last
            batch for `exploit_last` to stop exploring in).
        evolve: from round 2 on, propose by recombining and mutating measured items instead of sampling.
        fit: fit the reward model after scoring.
        one_shot: spend all but the last batch on the prior and fine-tune once with the compute of every
            round (the non-adaptive baseline).
        selects: from round 2 on, choose the batch from a pool of samples by the acquisition (the reward
            model's optimism applied to what the tuned model generates); baselines do not.
        operator: the breeding operator of an evolving method ("tokens" or "graph", see MethodPlan).
        screen: every round measures random items of the screening library (the `screen` baseline).
        domains: the domains the method can design; () = every domain.
        order: where the method is listed (lower first).
    """

    name: str
    description: str
    acquisition: Callable[[CampaignConfig, int], Acquisition] | None
    optimistic: bool = False
    evolve: bool = False
    fit: bool = True
    one_shot: bool = False
    selects: bool = True
    operator: str = "tokens"
    screen: bool = False
    domains: tuple[str, ...] = ()
    order: int = 100

    def plan(self, cfg: CampaignConfig, round_index: int) -> MethodPlan:
        """The plan for one round. The last round is measured but never fine-tuned after (nothing would
        sample the result); it is still fitted so exported candidates carry predictions."""
        if self.acquisition is None:
            # Round 1 samples the prior like every method (a fair start); an evolving method's later rounds
            # evolve the measured items. The reward model is still fitted so the gap is comparable.
            return MethodPlan(
                fit=self.fit,
                finetune=False,
                acquisition=Acquisition("mean"),
                evolve=self.evolve and round_index > 1,
                operator=self.operator,
                screen=self.screen,
            )
        last = round_index >= len(cfg.batch_sizes())
        acq = self.acquisition(cfg, round_index)
        if self.optimistic and cfg.exploit_last and round_index == len(cfg.batch_sizes()) - 1:
            # This fine-tune makes the model that proposes the last batch; nothing is fitted to what that
            # batch measures afterwards, so the bonus's exploration would be spent for no later round.
            acq = Acquisition("mean")
        select = self.selects and round_index > 1 and cfg.selection.pool > 1
        if last and self.optimistic and cfg.exploit_last:
            acq = Acquisition("mean")  # the last batch teaches no later round: choose it by the mean
        return MethodPlan(fit=True, finetune=not last, acquisition=acq, select=select)


def _ucb(cfg: CampaignConfig, round_index: int) -> Acquisition:
    return Acquisition("ucb-gram" if cfg.bonus == "gram" else "ucb-std", beta=cfg.beta)


def _thompson(cfg: CampaignConfig, round_index: int) -> Acquisition:
    # A real posterior sample: one whole bootstrap head, drawn per round, reproducible from the seed.
    return Acquisition("head", head=random.Random(cfg.seed * 1000 + round_index).randrange(cfg.reward.n_heads))


def _mean(cfg: CampaignConfig, round_index: int) -> Acquisition:
    return Acquisition("mean")


def _max(cfg: CampaignConfig, round_index: int) -> Acquisition:
    return Acquisition("max")


# The built-in methods; pyproject.toml registers each under its name.
SEIKO_UCB = Method(
    "seiko-ucb",
    "SEIKO with an upper confidence bound: mean + beta * bonus (Gram-form last-layer bonus)",
    _ucb,
    optimistic=True,
    order=10,
)
SEIKO_BOOTSTRAP = Method(
    "seiko-bootstrap", "SEIKO with the maximum over bootstrap reward heads", _max, optimistic=True, order=20
)
SEIKO_TS = Method(
    "seiko-ts",
    "SEIKO with Thompson sampling: one bootstrap head drawn at random per round",
    _thompson,
    optimistic=True,
    order=30,
)
GREEDY = Method("greedy", "fine-tune on the reward model's mean, no optimism", _mean, order=40)
NON_ADAPTIVE = Method(
    "non-adaptive",
    "spend the budget on prior samples first, fine-tune once, then measure the result",
    _mean,
    one_shot=True,
    order=50,
)
PRETRAINED = Method(
    "pretrained",
    "only sample the shipped prior (the floor every method must beat)",
    None,
    fit=False,
    selects=False,
    order=60,
)
GA = Method(
    "ga",
    "AdaLead-style evolution: recombine and mutate the best measured items (baseline, no fine-tuning)",
    None,
    evolve=True,
    selects=False,
    order=70,
)

GRAPH_GA = Method(
    "graph-ga",
    "Graph GA (Jensen 2019): crossover and mutation of the best measured molecules' graphs (baseline)",
    None,
    evolve=True,
    selects=False,
    operator="graph",
    domains=("molecules",),
    order=75,
)
SCREEN = Method(
    "screen",
    "score random items of a library (the prior's training data, or selection.library): the screening floor",
    None,
    fit=False,
    selects=False,
    screen=True,
    order=80,
)


def method_names() -> tuple[str, ...]:
    """Every registered method, built-ins first."""
    return METHODS.names()


def get_method(name: str) -> Method:
    """The method `name`; ValueError naming the known methods otherwise."""
    return METHODS.get(name)


def plan(cfg: CampaignConfig, round_index: int) -> MethodPlan:
    """The plan of `cfg.method` for round `round_index` (1-based)."""
    return get_method(cfg.method).plan(cfg, round_index)


def finetune_steps(cfg: CampaignConfig) -> int:
    """non-adaptive fine-tunes once with the compute the adaptive methods spend over all rounds."""
    if get_method(cfg.method).one_shot:
        return cfg.finetune.steps * (cfg.rounds - 1)
    return cfg.finetune.steps
