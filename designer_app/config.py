"""Campaign configuration: frozen, documented dataclasses with a schema version and JSON round trip.

One documented base configuration plus the few overrides a user gives on the command line; the whole
configuration is stored in the campaign database so a campaign always reruns with what it started with.
Every field is checked against its annotated type and its range (`Bound`) whenever an object is made, so a
wrong value is refused with its dotted name (`finetune.steps`) instead of failing inside the engine; stored
settings of older schema versions are upgraded by the steps registered in config_migrations.py.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
import numbers
import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Protocol

from designer_app import registry
from designer_app.config_migrations import MIGRATIONS

# Version of the stored configuration format. Bump it with a registered step in config_migrations.py
# whenever a stored file would otherwise load with a different meaning. 2: the first version that says
# so (schema 1 files, which may lack fields added later, are upgraded by the 1 -> 2 step). 3: the `selection`
# section and top-up on by default (schema 2 campaigns keep sampling their batch directly).
SCHEMA_VERSION = 3

BONUSES = ("gram", "ensemble-std")
RANKING_MODELS = ("items", "latent")
ANCHORS = ("previous", "prior")
SCHEDULES = ("constant", "doubling")
# Extra sampling passes `--top-up` and the wizard's "replace repeats" box turn on (config `top_up`): with
# the draw sized by the new-design rate so far, SIX6's most concentrated round (47 new in 128) filled in one.
TOP_UP_PASSES = 8
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(ValueError):
    """A configuration value is wrong; the message says which and what to change."""


@dataclass(frozen=True)
class Bound:
    """Allowed range of a numeric setting, kept in its field's metadata and enforced by `_validate`.

    Attributes:
        low: smallest allowed value (inclusive), None = no lower limit.
        high: largest allowed value (inclusive), None = no upper limit.
        above: exclusive lower limit, for settings where the limit itself is meaningless (a learning
            rate of 0 trains nothing, a Gram lambda of 0 may leave the matrix singular).
        hint: what the setting's values mean, appended to the message so the user knows what to pick.
    """

    low: float | None = None
    high: float | None = None
    above: float | None = None
    hint: str = ""

    def problem(self, value: float) -> str | None:
        """What is wrong with `value` ("must be at least 1"), or None when it is within the range."""
        if self.above is not None and not value > self.above:
            return f"must be > {self.above}"
        too_low = self.low is not None and value < self.low
        too_high = self.high is not None and value > self.high
        if not (too_low or too_high):
            return None
        if self.low is not None and self.high is not None:
            return f"must be between {self.low} and {self.high}"
        if too_low:
            return f"must be at least {self.low}" if isinstance(value, int) else f"must be >= {self.low}"
        return f"must be at most {self.high}" if isinstance(value, int) else f"must be <= {self.high}"


def _setting(
    default: Any, *, low: float | None = None, high: float | None = None, above: float | None = None, hint: str = ""
) -> Any:
    """A dataclass field with `default` whose value `_validate` keeps within the given range."""
    return field(default=default, metadata={"bound": Bound(low=low, high=high, above=above, hint=hint)})


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

    SECTION: ClassVar[str] = "reward"

    n_heads: int = _setting(5, low=1)
    hidden: int = _setting(64, low=1)
    epochs: int = _setting(300, low=1, hint="an unfitted head predicts nothing")
    lr: float = _setting(3e-3, above=0)
    weight_decay: float = _setting(1e-3, low=0, hint="0 = no regularisation")
    gram_lambda: float = _setting(1.0, above=0, hint="it keeps the Gram matrix invertible")
    conv_length: int = _setting(0, low=0, hint="0 = MLP heads")
    conv_letters: int = _setting(0, low=0, hint="0 = MLP heads")
    conv_channels: int = _setting(32, low=1)

    def __post_init__(self) -> None:
        _validate(self)
        if self.conv_length < 0 or self.conv_letters < 0 or (self.conv_length > 0) != (self.conv_letters > 0):
            raise ConfigError(
                f"reward.conv_length ({self.conv_length}) and reward.conv_letters ({self.conv_letters}) "
                "go together: set both > 0 for convolutional heads, or both 0 for MLP heads"
            )
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

    SECTION: ClassVar[str] = "finetune"

    steps: int = _setting(40, low=0, hint="0 turns fine-tuning off")
    batch_size: int = _setting(32, low=1)
    lr: float = _setting(1e-3, above=0)
    grad_steps: int = _setting(5, low=1, hint="the reward gradient needs at least the last denoising step")
    min_sigma: float = _setting(0.05, low=0, hint="0 keeps every step in the KL sum")
    max_grad_norm: float = _setting(1.0, above=0)

    def __post_init__(self) -> None:
        _validate(self)


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

    SECTION: ClassVar[str] = "evolution"

    kappa: float = _setting(0.05, low=0, high=1, hint="a fraction of the measured score range")
    min_parents: int = _setting(8, low=1)
    recombination_rate: float = _setting(0.5, low=0, high=1, hint="a probability")
    mutation_rate: float = _setting(0.0, low=0, high=1, hint="a probability; 0 = 1 / length of the parent")
    noise: float = _setting(0.2, low=0, hint="0 = no pixel noise")
    max_tries: int = _setting(20, low=1)

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class SelectionConfig:
    """How a round chooses its batch from a pool of the tuned model's samples (core/selection.py).

    Attributes:
        pool: pool size as a multiple of the batch; 1 = no pool: the batch is the model's first draw (how
            campaigns of schema 2 and earlier ran). Only methods that select (seiko-*, greedy, non-adaptive)
            use it, from round 2 on; the baselines propose as their definitions say.
        diversity: weight of the near-neighbour penalty, in standard deviations of the pool's acquisition
            per unit of similarity; 0 = plain top-batch by acquisition.
        model: which reward model ranks the pool and annotates proposals: "items" (a Tanimoto GP on the
            domain's item features: Morgan counts, one-hot letters and letter pairs; domains without item
            features fall back to the latent model) or "latent" (the latent ensemble fine-tuning uses).
        distil: samples of the model about to be fine-tuned that the item model labels (its mean) for the
            latent reward model fine-tuning maximises, beside the measured labels; 0 = labels only.
        local: the fraction of the pool the tuned model draws near the best measured designs (partial
            diffusion from their noised latents, Engine.propose_near) instead of from pure noise; 0 = fresh
            samples only. Off by default: at 0.5 it changed no result we measured (docs/benchmarks.md).
        local_strength: how far those starts are noised: the fraction of the sampling steps re-run (small =
            close variations, 1 = a fresh sample).
        local_starts: how many of the best measured designs start those draws.
        library: the `screen` baseline's library: a text file of items, one per line (a CSV's first column;
            .gz allowed), relative to the campaign's workdir; "" = the prior's own library.txt.gz.
    """

    SECTION: ClassVar[str] = "selection"

    pool: int = _setting(10, low=1, high=100, hint="1 = no pool, N = draw N x the batch and choose")
    diversity: float = _setting(0.5, low=0, hint="0 = no diversity penalty")
    model: str = "items"
    library: str = ""
    distil: int = _setting(0, low=0, high=100_000, hint="0 = fit the latent model on the labels only")
    local: float = _setting(0.0, low=0, high=1, hint="0 = only fresh samples in the pool")
    local_strength: float = _setting(0.4, above=0, high=1, hint="the fraction of sampling steps re-run")
    local_starts: int = _setting(32, low=1)

    def __post_init__(self) -> None:
        _validate(self)
        if self.model not in RANKING_MODELS:
            raise ConfigError(f"selection.model must be one of {', '.join(RANKING_MODELS)} (got {self.model!r})")


@dataclass(frozen=True)
class CampaignConfig:
    """A design campaign. Stored as JSON in the campaign database.

    Attributes:
        name: campaign folder name (letters, digits, _ . -).
        domain: what is designed: a registered domain ("molecules", "dna", "protein", "rna", "images", ...).
        oracle: oracle spec (built-in name, python:FILE:FUNC, command:CMD, manual, entry point).
        prior: shipped prior name or a folder path; "" = the domain's default prior.
        method: a registered method (`designer-app list methods`; designer_app.core.methods).
        rounds: K, the number of measured batches.
        batch_size: B, the first round's batch size.
        batch_schedule: "constant" (B each round) or "doubling" (B, 2B, 4B, ...).
        alpha: weight of the KL to the anchor model during fine-tuning.
        beta: weight of the uncertainty bonus (seiko-ucb).
        bonus: "gram" (last-layer Gram form) or "ensemble-std" (spread of the ensemble).
        exploit_last: the fine-tune that makes the last batch maximises the reward model's mean instead of
            the method's optimistic reward (the methods marked optimistic). Optimism buys
            information for later rounds; no round learns from the last batch, so there it only costs.
        anchor: "previous" (the previous round's model, as the authors' code) or "prior".
        seed: random seed for sampling, fitting and fine-tuning.
        optimum: the oracle's known optimum (enables regret); None = the oracle's own, if any.
        sample_steps: denoising steps when proposing and fine-tuning.
        top_up: extra sampling passes a round may draw so that it holds `batch_size` designs never
            measured before: proposals that repeat a stored design or are infeasible are replaced by
            further samples of the same model (0 = off: the round measures only its first draw's new
            designs, and repeats cost nothing but a smaller batch). On by default: every call buys
            information.
        workdir: the folder relative paths in `oracle` (a python: file, where a command: runs) and `prior`
            are resolved against; `campaigns.create` records the folder the campaign was created from, so
            a run started anywhere measures with the same oracle ("" = the current folder, as before it
            was recorded).
        reward: reward-model settings.
        finetune: fine-tuning settings.
        evolution: settings of the `ga` baseline.
        selection: how a round chooses its batch from a pool (SelectionConfig).
        schema_version: version of this configuration format; always SCHEMA_VERSION (from_json upgrades
            older stored settings first).
    """

    SECTION: ClassVar[str] = ""

    name: str
    domain: str = "molecules"
    oracle: str = "qed"
    prior: str = ""
    method: str = "seiko-ucb"
    rounds: int = _setting(4, low=1)
    batch_size: int = _setting(128, low=1)
    batch_schedule: str = "constant"
    alpha: float = _setting(0.003, low=0, hint="0 = no KL penalty")
    beta: float = _setting(1.0, low=0, hint="0 = no uncertainty bonus")
    bonus: str = "gram"
    exploit_last: bool = False
    anchor: str = "previous"
    seed: int = _setting(0, low=0)
    optimum: float | None = None
    sample_steps: int = _setting(25, low=2)
    top_up: int = _setting(TOP_UP_PASSES, low=0, high=50, hint="0 = off, N = up to N extra sampling passes")
    workdir: str = ""
    reward: RewardConfig = field(default_factory=RewardConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    evolution: EvolutionConfig = field(default_factory=EvolutionConfig)
    selection: SelectionConfig = field(default_factory=SelectionConfig)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        _validate(self)  # types and ranges first: the checks below compare values of the right type
        checks = [
            (NAME_PATTERN.match(self.name), f"campaign name '{self.name}': use 1-64 letters, digits, _ . - "),
            (self.domain in registry.DOMAINS, lambda: registry.DOMAINS.unknown_message(self.domain)),
            (self.method in registry.METHODS, lambda: registry.METHODS.unknown_message(self.method)),
            (self.batch_schedule in SCHEDULES, f"batch_schedule must be one of {', '.join(SCHEDULES)}"),
            (self.bonus in BONUSES, f"bonus must be one of {', '.join(BONUSES)}"),
            (self.anchor in ANCHORS, f"anchor must be one of {', '.join(ANCHORS)}"),
            (bool(self.oracle.strip()), "oracle spec is empty; give e.g. qed, manual or python:FILE.py:FUNC"),
            (
                not self.workdir or Path(self.workdir).is_absolute(),
                f"workdir must be an absolute folder (got '{self.workdir}')",
            ),
            (not self._one_shot() or self.rounds >= 2, f"{self.method} needs at least 2 rounds"),
            (
                not self._method_domains() or self.domain in self._method_domains(),
                lambda: (
                    f"method {self.method} designs {', '.join(self._method_domains())} only, not {self.domain}; "
                    "for sequences use ga (`designer-app list methods`)"
                ),
            ),
            (
                self.finetune.grad_steps <= self.sample_steps,
                f"finetune.grad_steps ({self.finetune.grad_steps}) must be <= sample_steps ({self.sample_steps})",
            ),
            (
                self.schema_version == SCHEMA_VERSION,
                f"schema_version must be {SCHEMA_VERSION}, the format this Designer writes "
                f"(got {self.schema_version}); CampaignConfig.from_json upgrades older settings",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message() if callable(message) else message)

    def _method_domains(self) -> tuple[str, ...]:
        """The domains the method can design (the registry's Method.domains); () = every domain."""
        if self.method not in registry.METHODS:
            return ()
        return tuple(getattr(registry.METHODS.get(self.method), "domains", ()) or ())

    def _one_shot(self) -> bool:
        """Whether the method is a one-shot baseline (non-adaptive: the registry's Method.one_shot)."""
        if self.method not in registry.METHODS:  # refused by __post_init__'s own check
            return False
        return bool(getattr(registry.METHODS.get(self.method), "one_shot", False))

    def batch_sizes(self) -> list[int]:
        """Batch size of every round. non-adaptive spends all but one batch on the prior in round 1
        and measures its fine-tuned model with the last batch, so its total equals the others'."""
        if self.batch_schedule == "doubling":
            sizes = [self.batch_size * 2**i for i in range(self.rounds)]
        else:
            sizes = [self.batch_size] * self.rounds
        if self._one_shot():
            return [sum(sizes[:-1]), sizes[-1]]
        return sizes

    @property
    def budget(self) -> int:
        return sum(self.batch_sizes())

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data of every field, nested sections as dicts; always the current SCHEMA_VERSION
        (`__post_init__` admits no other), so what is stored says which format it is in."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CampaignConfig:
        """Build a configuration from stored or user-given JSON data of any schema up to SCHEMA_VERSION.

        The version is judged before anything else, so a campaign of a newer Designer is refused as
        such rather than for the settings this one does not know; older data is upgraded by the steps
        registered in config_migrations.MIGRATIONS. Missing settings take their defaults.
        """
        if not isinstance(data, dict):
            raise ConfigError(f"campaign settings must be a JSON object of settings (got {data!r})")
        data = _upgrade(data, _stored_version(data))
        data["reward"] = _build(RewardConfig, data.get("reward", {}))
        data["finetune"] = _build(FinetuneConfig, data.get("finetune", {}))
        data["evolution"] = _build(EvolutionConfig, data.get("evolution", {}))
        data["selection"] = _build(SelectionConfig, data.get("selection", {}))
        return _build(cls, data)


def new_campaign_config(data: dict[str, Any]) -> CampaignConfig:
    """The configuration of a *new* campaign from settings a user gave (`new`, the wizard, `bench`): what
    is left out takes today's defaults. Why not `from_json`: stored data without a version is the first
    format, and its upgrade steps write down what campaigns of that time did (no pool, no top-up)."""
    if not isinstance(data, dict):
        raise ConfigError(f"campaign settings must be a JSON object of settings (got {data!r})")
    return CampaignConfig.from_json({**data, "schema_version": data.get("schema_version", SCHEMA_VERSION)})


def parse_overrides(
    assignments: Iterable[str], malformed: Callable[[int, str], str], strip_values: bool = True
) -> dict[str, Any]:
    """`KEY=VALUE` settings (the CLI's `--set`, the wizard's advanced lines) -> nested overrides:
    ["finetune.steps=20", "beta=0.5"] -> {"finetune": {"steps": 20}, "beta": 0.5}. A dotted key names a
    section's field; a value is parsed as JSON when it can be (numbers, true, null, lists), else kept as
    text. The key is stripped of spaces, the value too unless `strip_values` is off (the CLI keeps the
    text the shell gave it). An assignment without "=" raises ConfigError(malformed(index, text)), index
    counting `assignments` from 0."""
    out: dict[str, Any] = {}
    for index, text in enumerate(assignments):
        if "=" not in text:
            raise ConfigError(malformed(index, text))
        key, raw = text.split("=", 1)
        raw = raw.strip() if strip_values else raw
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        parts = key.strip().split(".")
        target = out
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out


def _stored_version(data: dict[str, Any]) -> int:
    """The config schema `data` says it is written in: missing = 1, the first format; refused when it is
    not a whole number >= 1 (damaged data) or is newer than this Designer reads."""
    version = data.get("schema_version", 1)
    if not _is_a(int, version) or version < 1:
        raise ConfigError(
            f"schema_version must be a whole number >= 1 (got {version!r}); the stored settings are damaged"
        )
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"this campaign was written by a newer Designer (config schema {version} > {SCHEMA_VERSION}); "
            "upgrade designer-app to open it"
        )
    return version


def _upgrade(data: dict[str, Any], version: int) -> dict[str, Any]:
    """A copy of `data` brought from schema `version` to SCHEMA_VERSION by the registered steps, in order;
    the caller's dict is left as it was."""
    data = copy.deepcopy(data)
    for current in range(version, SCHEMA_VERSION):
        step = MIGRATIONS.get(current)
        if step is None:
            raise ConfigError(
                f"no migration from config schema {current} to {current + 1} is registered; "
                "this Designer cannot read the stored settings (please report this)"
            )
        data = step(data)
        data["schema_version"] = current + 1
    return data


def _build(cls: type[Any], data: Any) -> Any:
    """`cls(**data)` with the mistakes a hand-written setting can have (unknown or missing keys, a
    section given as a single value) reported as ConfigError in the dotted names `--set` uses."""
    prefix = f"{cls.SECTION}." if cls.SECTION else ""
    if not isinstance(data, dict):
        raise ConfigError(
            f"{cls.SECTION} must be a section of settings such as {cls.SECTION}.<setting>=VALUE (got {data!r})"
        )
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ConfigError(
            f"unknown {cls.__name__} setting(s): {', '.join(prefix + str(k) for k in unknown)}; "
            f"valid: {', '.join(names)}"
        )
    missing = [f.name for f in fields(cls) if f.name not in data and _is_required(f)]
    if missing:
        raise ConfigError(f"missing setting(s): {', '.join(prefix + k for k in missing)}")
    return cls(**data)


def _is_required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


# ---- type and range checks shared by every configuration class --------------------------------------

_NONE = type(None)
_TYPE_WORDS: dict[Any, str] = {bool: "true or false", int: "an integer", float: "a number", str: "text", _NONE: "null"}


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """The resolved field annotations of a configuration class (they are strings in this module)."""
    return typing.get_type_hints(cls)


class _Section(Protocol):
    """What `_validate` checks: one of the configuration dataclasses (CampaignConfig or a section)."""

    SECTION: ClassVar[str]
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]


def _validate(config: _Section) -> None:
    """Check every field of a configuration dataclass against its annotated type and its Bound.

    Called first in each `__post_init__`, so direct construction, `dataclasses.replace` and `from_json`
    all refuse a wrong value when it is given instead of the engine failing on it rounds later. Whole
    numbers given for float fields are stored as floats, so a JSON round trip gives back equal objects.
    """
    hints = _type_hints(type(config))
    for f in fields(config):
        path = f"{type(config).SECTION}.{f.name}" if type(config).SECTION else f.name
        given = getattr(config, f.name)
        value = _conform(hints[f.name], given, path)
        if value is not given:
            object.__setattr__(config, f.name, value)
        bound = f.metadata.get("bound")
        problem = bound.problem(value) if bound is not None else None
        if bound is not None and problem:
            hint = f"; {bound.hint}" if bound.hint else ""
            raise ConfigError(f"{path} {problem} (got {given!r}){hint}")


def _conform(hint: Any, value: Any, path: str) -> Any:
    """`value` as a value of the annotated type `hint` (one type or a union such as `float | None`),
    converted where JSON cannot tell (an integer for a float); ConfigError naming `path` otherwise."""
    union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    options = typing.get_args(hint) if union else (hint,)
    for kind in options:
        if _is_a(kind, value):
            return _convert(kind, value, path)
    expected = " or ".join(_TYPE_WORDS.get(k) or f"a {k.__name__} section" for k in options)
    raise ConfigError(f"{path} must be {expected} (got {value!r})")


def _is_a(kind: Any, value: Any) -> bool:
    """Whether `value` may stand for `kind`. bool is an int subclass in Python, but True for a number of
    rounds is a mistake, so bools only count as bools."""
    if kind is bool or isinstance(value, bool):
        return kind is bool and isinstance(value, bool)
    if kind is int:
        return isinstance(value, numbers.Integral)
    if kind is float:
        return isinstance(value, numbers.Real)
    return isinstance(value, kind)


def _convert(kind: Any, value: Any, path: str) -> Any:
    """Numbers as plain Python int / finite float (numpy scalars would not serialise to JSON)."""
    if kind is int and type(value) is not int:
        return int(value)
    if kind is float:
        number = _finite(value)
        if number is None:
            raise ConfigError(f"{path} must be a finite number (got {value!r})")
        return value if type(value) is float else number
    return value


def _finite(value: numbers.Real) -> float | None:
    """`value` as a float, or None for nan, infinities and integers too large for a float."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
