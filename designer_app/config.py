"""Campaign configuration: frozen, documented dataclasses with a schema version and JSON round trip.

One documented base configuration plus the few overrides a user gives on the command line; the whole
configuration is stored in the campaign database so a campaign always reruns with what it started with.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

METHODS: dict[str, str] = {
    "seiko-ucb": "SEIKO with an upper confidence bound: mean + beta * bonus (Gram-form last-layer bonus)",
    "seiko-bootstrap": "SEIKO with the maximum over bootstrap reward heads",
    "seiko-ts": "SEIKO with Thompson sampling: one bootstrap head drawn at random per round",
    "greedy": "fine-tune on the reward model's mean, no optimism",
    "non-adaptive": "spend the budget on prior samples first, fine-tune once, then measure the result",
    "pretrained": "only sample the shipped prior (the floor every method must beat)",
    "ga": "AdaLead-style evolution: recombine and mutate the best measured items (baseline, no fine-tuning)",
}
# The methods whose fine-tuning maximises an optimistic reward: only they explore, so only they have a last
# batch for `exploit_last` to stop exploring in.
OPTIMISTIC_METHODS = ("seiko-ucb", "seiko-bootstrap", "seiko-ts")
DOMAINS = ("molecules", "dna", "protein", "images")  # kept in step with designer_app.domains
BONUSES = ("gram", "ensemble-std")
ANCHORS = ("previous", "prior")
SCHEDULES = ("constant", "doubling")
# Extra sampling passes `--top-up` and the wizard's "replace repeats" box turn on (config `top_up`): with
# the draw sized by the new-design rate so far, SIX6's most concentrated round (47 new in 128) filled in one.
TOP_UP_PASSES = 8
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(ValueError):
    """A configuration value is wrong; the message says which and what to change."""


@dataclass(frozen=True)
class RewardConfig:
    """Reward ensemble on the prior's featuriser.

    Attributes:
        n_heads: ensemble members (bootstrap resamples of the labelled data).
        hidden: width of each head's two hidden layers; the last one is the feature phi of the bonus.
        epochs: full-batch Adam steps per fit.
        lr: learning rate.
        weight_decay: L2 regularisation, keeps heads smooth with few labels.
        gram_lambda: lambda of the Gram bonus sqrt(phi^T (Phi^T Phi + lambda I)^-1 phi).
        conv_length: 0 for MLP heads. > 0: convolutional heads that read the last conv_length x
            conv_letters features as per-position letter probabilities (the "letters" part, which a
            sequence prior's featuriser puts last) and ignore the others; for rewards made of spaced
            motifs, which MLP heads on a latent rank poorly (models/reward.py says how much).
        conv_letters: alphabet size of those features (required with conv_length).
        conv_channels: channels of each convolutional layer.
    """

    n_heads: int = 5
    hidden: int = 64
    epochs: int = 300
    lr: float = 3e-3
    weight_decay: float = 1e-3
    gram_lambda: float = 1.0
    conv_length: int = 0
    conv_letters: int = 0
    conv_channels: int = 32

    def __post_init__(self) -> None:
        if self.conv_length < 0 or self.conv_letters < 0 or (self.conv_length > 0) != (self.conv_letters > 0):
            raise ConfigError(f"reward.conv_length ({self.conv_length}) and reward.conv_letters ({self.conv_letters}) "
                              "go together: set both > 0 for convolutional heads, or both 0 for MLP heads")
        if self.conv_channels < 1:
            raise ConfigError(f"reward.conv_channels must be >= 1 (got {self.conv_channels})")


@dataclass(frozen=True)
class FinetuneConfig:
    """SEIKO fine-tuning of the latent denoiser, per round.

    Attributes:
        steps: optimiser steps per round.
        batch_size: trajectories per optimiser step.
        lr: Adam learning rate.
        grad_steps: K, the number of final denoising steps the reward gradient flows through.
        min_sigma: steps whose noise sigma_t is below this are left out of the KL sum
            (the final, nearly noiseless steps would make it explode).
        max_grad_norm: gradient clipping.
    """

    steps: int = 40
    batch_size: int = 32
    lr: float = 1e-3
    grad_steps: int = 5
    min_sigma: float = 0.05
    max_grad_norm: float = 1.0


@dataclass(frozen=True)
class EvolutionConfig:
    """The `ga` baseline (AdaLead-style; Sinai et al. 2020): from round 2 on, parents are the measured
    items scoring within `kappa` of the best (as a fraction of the measured score range), children are
    recombined and mutated in token space (SELFIES tokens, sequence letters) or pixel space (images).

    Attributes:
        kappa: parent threshold: keep items with score >= best - kappa * (best - worst).
        min_parents: at least this many of the best items are parents, so a lucky outlier does not
            leave a single parent (AdaLead would then only mutate one item).
        recombination_rate: probability that a child is a crossover of two parents before mutation.
        mutation_rate: per-token substitution probability; 0 = 1 / length of the parent.
        noise: standard deviation of the Gaussian mutation for domains without tokens (pixels in [-1, 1]).
        max_tries: attempts per requested child before the rest of the batch is filled from the prior.
    """

    kappa: float = 0.05
    min_parents: int = 8
    recombination_rate: float = 0.5
    mutation_rate: float = 0.0
    noise: float = 0.2
    max_tries: int = 20


@dataclass(frozen=True)
class CampaignConfig:
    """A design campaign. Stored as JSON in the campaign database.

    Attributes:
        name: campaign folder name (letters, digits, _ . -).
        domain: what is designed ("molecules", "dna", "protein" or "images").
        oracle: oracle spec (built-in name, python:FILE:FUNC, command:CMD, manual, entry point).
        prior: shipped prior name or a folder path; "" = the domain's default prior.
        method: one of METHODS.
        rounds: K, the number of measured batches.
        batch_size: B, the first round's batch size.
        batch_schedule: "constant" (B each round) or "doubling" (B, 2B, 4B, ...).
        alpha: weight of the KL to the anchor model during fine-tuning.
        beta: weight of the uncertainty bonus (seiko-ucb).
        bonus: "gram" (last-layer Gram form) or "ensemble-std" (spread of the ensemble).
        exploit_last: the fine-tune that makes the last batch maximises the reward model's mean instead of
            the method's optimistic reward (OPTIMISTIC_METHODS). Optimism buys
            information for later rounds; no round learns from the last batch, so there it only costs.
        anchor: "previous" (the previous round's model, as the authors' code) or "prior".
        seed: random seed for sampling, fitting and fine-tuning.
        optimum: the oracle's known optimum (enables regret); None = the oracle's own, if any.
        sample_steps: denoising steps when proposing and fine-tuning.
        top_up: extra sampling passes a round may draw so that it holds `batch_size` designs never
            measured before: proposals that repeat a stored design or are infeasible are replaced by
            further samples of the same model (0 = off: the round measures only its first draw's new
            designs, and repeats cost nothing but a smaller batch).
        workdir: the folder relative paths in `oracle` (a python: file, where a command: runs) and `prior`
            are resolved against; `campaigns.create` records the folder the campaign was created from, so
            a run started anywhere measures with the same oracle ("" = the current folder, as before it
            was recorded).
        reward: reward-model settings.
        finetune: fine-tuning settings.
        evolution: settings of the `ga` baseline.
        schema_version: version of this configuration format.
    """

    name: str
    domain: str = "molecules"
    oracle: str = "qed"
    prior: str = ""
    method: str = "seiko-ucb"
    rounds: int = 4
    batch_size: int = 128
    batch_schedule: str = "constant"
    alpha: float = 0.003
    beta: float = 1.0
    bonus: str = "gram"
    exploit_last: bool = False
    anchor: str = "previous"
    seed: int = 0
    optimum: float | None = None
    sample_steps: int = 25
    top_up: int = 0
    workdir: str = ""
    reward: RewardConfig = field(default_factory=RewardConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    evolution: EvolutionConfig = field(default_factory=EvolutionConfig)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        checks = [
            (NAME_PATTERN.match(self.name), f"campaign name '{self.name}': use 1-64 letters, digits, _ . - "),
            (self.domain in DOMAINS, f"domain '{self.domain}' is unknown; choose one of {', '.join(DOMAINS)}"),
            (self.method in METHODS, f"method '{self.method}' is unknown; choose one of {', '.join(METHODS)}"),
            (self.rounds >= 1, f"rounds must be at least 1 (got {self.rounds})"),
            (self.batch_size >= 1, f"batch size must be at least 1 (got {self.batch_size})"),
            (self.batch_schedule in SCHEDULES, f"batch schedule must be one of {', '.join(SCHEDULES)}"),
            (self.alpha >= 0, f"alpha must be >= 0 (got {self.alpha})"),
            (self.beta >= 0, f"beta must be >= 0 (got {self.beta})"),
            (self.bonus in BONUSES, f"bonus must be one of {', '.join(BONUSES)}"),
            (isinstance(self.exploit_last, bool), f"exploit_last must be true or false (got {self.exploit_last!r})"),
            (self.anchor in ANCHORS, f"anchor must be one of {', '.join(ANCHORS)}"),
            (bool(self.oracle.strip()), "oracle spec is empty; give e.g. qed, manual or python:FILE.py:FUNC"),
            (self.sample_steps >= 2, f"sample steps must be at least 2 (got {self.sample_steps})"),
            (not self.workdir or Path(self.workdir).is_absolute(),
             f"workdir must be an absolute folder (got '{self.workdir}')"),
            (0 <= self.top_up <= 50, f"top_up must be 0 (off) to 50 extra sampling passes (got {self.top_up})"),
            (self.method != "non-adaptive" or self.rounds >= 2, "non-adaptive needs at least 2 rounds"),
            (self.finetune.grad_steps <= self.sample_steps, "finetune.grad_steps must be <= sample_steps"),
            (0 <= self.evolution.kappa <= 1, f"evolution.kappa must be in [0, 1] (got {self.evolution.kappa})"),
            (0 <= self.evolution.mutation_rate <= 1, "evolution.mutation_rate must be in [0, 1] (0 = 1/length)"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    def batch_sizes(self) -> list[int]:
        """Batch size of every round. non-adaptive spends all but one batch on the prior in round 1
        and measures its fine-tuned model with the last batch, so its total equals the others'."""
        if self.batch_schedule == "doubling":
            sizes = [self.batch_size * 2**i for i in range(self.rounds)]
        else:
            sizes = [self.batch_size] * self.rounds
        if self.method == "non-adaptive":
            return [sum(sizes[:-1]), sizes[-1]]
        return sizes

    @property
    def budget(self) -> int:
        return sum(self.batch_sizes())

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CampaignConfig":
        version = int(data.get("schema_version", 1))
        if version > SCHEMA_VERSION:
            raise ConfigError(
                f"this campaign was written by a newer Designer (config schema {version} > {SCHEMA_VERSION}); "
                "upgrade designer-app to open it"
            )
        data = dict(data)
        data["reward"] = _build(RewardConfig, data.get("reward", {}))
        data["finetune"] = _build(FinetuneConfig, data.get("finetune", {}))
        data["evolution"] = _build(EvolutionConfig, data.get("evolution", {}))
        return _build(cls, data)


def _build(cls, data: dict[str, Any]):
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} setting(s): {', '.join(sorted(unknown))}")
    return cls(**data)
