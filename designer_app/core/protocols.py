"""What the loop needs from the outside world, as protocols and plain result types.

`core` imports no concrete model, oracle or store: the CLI and the GUI wire real parts in. Concrete
packages (models/, oracles/, store/) may import these types; nothing here imports them back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

# Measurement statuses. `pending` = sent to the lab, `failed` = the measurement itself failed
# (oracle error, timeout, synthesis failed); failed rows carry no value.
OK, FAILED, PENDING = "ok", "failed", "pending"
MEASUREMENT_STATUSES = (OK, FAILED, PENDING)


@dataclass(frozen=True)
class OracleResult:
    """One oracle answer for one item.

    Attributes:
        value: the score (higher is better); None when the item is infeasible or the call failed.
        status: "ok" or "failed" ("ok" with value None means the oracle judged the item infeasible).
        note: why it failed, or anything the oracle wants the user to read.
    """

    value: float | None
    status: str = OK
    note: str = ""


@runtime_checkable
class Oracle(Protocol):
    """Scores items (canonical SMILES, sequences, or PNG paths). Must never raise for a bad item;
    adapters turn exceptions, wrong lengths, NaN and timeouts into failed results."""

    name: str
    optimum: float | None
    is_manual: bool

    def score(self, items: Sequence[str]) -> list[OracleResult]: ...


@dataclass(frozen=True)
class Proposal:
    """Candidates a sampler proposed, before they are stored.

    Attributes:
        items: decoded canonical items (None where decoding failed).
        latents: the sampler's continuous output per candidate, (B, D) as nested lists, kept so the
            reward model can be refit on exactly what the sampler produced.
        feasible: per-candidate feasibility.
        reasons: why a candidate is infeasible ("" when feasible).
    """

    items: list[str | None]
    latents: list[list[float]]
    feasible: list[bool]
    reasons: list[str]


@dataclass(frozen=True)
class Prediction:
    """Reward-model prediction per candidate: mean, uncertainty, and acquisition value."""

    mean: list[float]
    std: list[float]
    acquisition: list[float]


@dataclass(frozen=True)
class Ranking:
    """How the reward model ranks a pool of new designs before any is measured (core/selection.py).

    Attributes:
        mean: predicted reward per pool member.
        std: its uncertainty (posterior std or ensemble spread).
        acquisition: the method's acquisition value per pool member (higher = choose first).
        model: which model ranked: "items" (GP on item features) or "latent" (the latent ensemble).
        similarity: (idx_a (A,), idx_b (B,)) -> (A, B) similarities in [0, 1] between pool members, for the
            selection's diversity rule.
    """

    mean: list[float]
    std: list[float]
    acquisition: list[float]
    model: str
    similarity: Callable[[Any, Any], Any]


@dataclass(frozen=True)
class FitReport:
    """What fitting the reward model measured.

    Attributes:
        n_train: labelled points used.
        train_r2: in-sample R² of the ensemble mean.
        cv_spearman: Spearman of out-of-bag (bootstrap) predictions vs labels, NaN when too few.
        extra: method-specific numbers (chosen head for Thompson sampling, λ for the Gram bonus, ...).
    """

    n_train: int
    train_r2: float
    cv_spearman: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FinetuneStep:
    """One optimiser step of SEIKO fine-tuning: mean optimistic reward, KL to the anchor, loss."""

    step: int
    reward: float
    kl: float
    loss: float


class Engine(Protocol):
    """The model side of a campaign for one domain: sampling, reward fitting, fine-tuning.

    The loop chooses every file path (under the campaign's checkpoints/ folder) and records the
    files in the store after the engine has written them atomically; `None` means the shipped prior.
    `acquisition` is a core.methods.Acquisition.
    """

    def propose(self, n: int, model_path: str | None, seed: int, should_stop: Callable[[], bool]) -> Proposal: ...

    def propose_near(
        self,
        n: int,
        model_path: str | None,
        starts: Sequence[Sequence[float]],
        strength: float,
        seed: int,
        should_stop: Callable[[], bool],
    ) -> Proposal:
        """n samples of the model started from noised copies of `starts` (partial diffusion, `strength` =
        the fraction of the sampling steps re-run)."""
        ...

    def canonical_item(self, text: str) -> tuple[str | None, str]: ...  # (canonical item, error)

    def key(self, item: str) -> str: ...  # equal keys = the same design (measured once)

    def evolve(
        self,
        n: int,
        measured: Sequence[tuple[str, float]],
        known_keys: set[str],
        seed: int,
        should_stop: Callable[[], bool],
        operator: str = "tokens",
    ) -> Proposal:
        """The evolving baselines: n new candidates bred from measured (item, score) pairs by `operator`
        ("tokens": `ga`, "graph": `graph-ga`), none whose key is in `known_keys`, encoded into the sampler's
        space like sampled ones."""
        ...

    def screen(self, n: int, known_keys: set[str], seed: int) -> Proposal:
        """The `screen` baseline: n random new items of the screening library."""
        ...

    def encode_items(self, items: Sequence[str]) -> list[list[float] | None]: ...

    def fit_reward(
        self,
        latents: list[list[float]],
        values: list[float],
        out_path: str,
        seed: int,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> FitReport:
        """Fit the reward model and save it to `out_path`; raises InterruptedError (nothing saved) as soon
        as `should_stop()` turns true, so Stop does not wait for a long fit."""
        ...

    def predict(self, reward_path: str, latents: list[list[float]], acquisition: Any) -> Prediction: ...

    def rank(
        self,
        items: Sequence[str],
        latents: list[list[float]],
        measured: Sequence[tuple[str, float]],
        reward_path: str | None,
        acquisition: Any,
        seed: int,
    ) -> Ranking | None:
        """Rank a pool of new designs (`items` with their sampler `latents`) by the method's `acquisition`:
        with the item model fitted on `measured` (item, score) pairs where the domain has item features
        (and the campaign's selection.model is "items"), else with the latent reward model at `reward_path`;
        None when neither can rank yet."""
        ...

    def finetune(
        self,
        model_path: str | None,
        anchor_path: str | None,
        reward_path: str,
        out_path: str,
        acquisition: Any,
        steps: int,
        seed: int,
        should_stop: Callable[[], bool],
    ) -> Iterator[FinetuneStep]: ...

    def kl_to_prior(self, model_path: str, seed: int) -> float: ...


class Store(Protocol):
    """The subset of store.CampaignStore the loop uses (see that class for semantics)."""

    folder: Any

    def config(self) -> dict: ...
    def rounds(self) -> list: ...
    def round(self, index: int) -> Any: ...
    def add_round(
        self, index: int, batch_size: int, candidates: Sequence[Any], checkpoint_id: int | None, seconds: float
    ) -> list[int]: ...
    def add_candidates(
        self, round_index: int, candidates: Sequence[Any], checkpoint_id: int | None = None
    ) -> list[int]: ...
    def set_status(self, index: int, status: str, phase: str | None = None, seconds: float | None = None) -> None: ...
    def record_measurements(
        self, results, source: str, round_status=None, phase_seconds=None, replaces=None
    ) -> list[int]: ...
    def candidates(self, round_index: int | None = None, *, with_latents: bool = True) -> list:
        """CandidateRecords (of one round, or all); `with_latents=False` leaves every `latent` None
        instead of decoding the stored ones (only fitting the reward model needs them)."""
        ...

    def update_predictions(self, predictions: dict) -> None: ...
    def add_round_metrics(self, index: int, metrics: dict) -> None: ...
    def add_checkpoint(
        self, round_index: int, kind: str, path: Any, round_status: str | None = None, phase_seconds=None
    ) -> int: ...
    def latest_checkpoint(self, kind: str, before_round: int | None = None) -> Any: ...
    def checkpoint_path(self, record: Any) -> Any: ...
    def log_event(self, round_index: int | None, kind: str, payload: dict) -> None: ...
