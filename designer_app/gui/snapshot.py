"""A read-only picture of a campaign, loaded off the GUI thread.

The store is the single source of truth: after every event that changed it, the window loads a fresh
`Snapshot` on a worker thread (its own read-only connection, as every thread opens its own) and renders
that. Reading thousands of candidates parses their JSON latents, which would stall the GUI thread.
No Qt here, so the loading function is plain and testable.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from designer_app.config import CampaignConfig
from designer_app.core import metrics
from designer_app.core.records import AWAITING, DONE, CandidateRecord, RoundRecord
from designer_app.store import CampaignStore


class _Unknown:
    """Marker: the oracle's optimum has not been looked up yet."""


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Snapshot:
    """Everything the panels show about one campaign at one moment.

    Attributes:
        folder: the campaign folder.
        config: its configuration.
        rounds: its rounds, in order.
        candidates: its candidates with effective scores, in id order.
        optimum: the oracle's known optimum (enables regret), or None.
        state: "new", "in_progress", "awaiting_scores" or "finished" (as `designer-app status`).
    """

    folder: Path
    config: CampaignConfig
    rounds: tuple[RoundRecord, ...]
    candidates: tuple[CandidateRecord, ...]
    optimum: float | None
    state: str

    @property
    def measured(self) -> list[float | None]:
        """Scores in oracle-call order (see metrics.measured_sequence)."""
        return metrics.measured_sequence(self.candidates)

    @property
    def oracle_calls(self) -> int:
        return len(self.measured)

    @property
    def best(self) -> float | None:
        return metrics.best_score(self.candidates)

    def batch_rankings(self) -> list[tuple[int, float]]:
        """(round, Spearman) of every round whose batch the reward model ranked before it was measured
        (RoundSummary.prediction_spearman; round 1 and unscored rounds have none)."""
        summaries = metrics.round_summaries(self.rounds, self.candidates)
        return [(s.index, s.prediction_spearman) for s in summaries if s.prediction_spearman is not None]

    @property
    def awaiting_round(self) -> RoundRecord | None:
        return next((r for r in self.rounds if r.status == AWAITING), None)

    def waiting(self) -> list[CandidateRecord]:
        """Candidates of the awaiting round that still need a lab score (what the loop waits for)."""
        r = self.awaiting_round
        if r is None:
            return []
        return [c for c in self.candidates if c.round == r.index and c.awaits_score]

    def scored_in_awaiting(self) -> int:
        """Candidates of the awaiting round measured here (CandidateRecord.measured_here): the engine
        goes on with a partly scored round (`allow_partial`) only when there is at least one."""
        r = self.awaiting_round
        if r is None:
            return 0
        return sum(1 for c in self.candidates if c.round == r.index and c.measured_here)

    def unfinished_round(self) -> RoundRecord | None:
        return next((r for r in self.rounds if r.status != DONE), None)


def load_snapshot(
    folder: str | Path,
    optimum: float | None | _Unknown = UNKNOWN,
    previous: Snapshot | None = None,
    changed_rounds: Collection[int] | None = None,
) -> Snapshot:
    """Read a campaign with a private read-only connection. `optimum` is passed back in once known,
    because finding it may import a user's oracle file, which must not happen on every refresh.

    With `previous` and `changed_rounds` only the candidates of those rounds are read again and the
    others are taken from `previous`: the engine only ever changes the round it works on, and reading
    (and JSON-parsing) every candidate after every event would hold the interpreter lock the GUI
    thread needs. Anything else (hand edits, imports) reloads everything."""
    store = CampaignStore.open_read_only(folder)
    try:
        config = CampaignConfig.from_json(store.config())
        rounds = tuple(store.rounds())
        if isinstance(optimum, _Unknown):
            # never build the oracle here: opening a campaign from someone else must not run its code
            from designer_app.campaigns import known_optimum

            optimum = config.optimum if config.optimum is not None else known_optimum(store, config)
        if previous is None or changed_rounds is None or Path(previous.folder) != Path(folder):
            candidates = tuple(store.candidates())
        else:
            kept = [c for c in previous.candidates if c.round not in changed_rounds]
            fresh = [c for r in sorted(changed_rounds) for c in store.candidates(round_index=r)]
            candidates = tuple(sorted(kept + fresh, key=lambda c: c.id))
    finally:
        store.close()
    state = metrics.campaign_state(rounds, len(config.batch_sizes()))  # as campaigns.status, without its read
    return Snapshot(Path(folder), config, rounds, candidates, optimum, state)
