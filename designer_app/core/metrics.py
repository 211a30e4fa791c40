"""Campaign metrics from true scores: per-round summaries, best-so-far, regret, top-k AUC.

All functions take plain records or numbers, so benchmarks, the CLI and the GUI share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from designer_app.core.records import CandidateRecord, RoundRecord, RoundSummary, finite


def round_summaries(rounds: Sequence[RoundRecord], candidates: Sequence[CandidateRecord]) -> list[RoundSummary]:
    """Per round: counts, and best/mean of the true scores of the round's candidates (duplicates
    count with their original's score, so the mean describes what the model proposed)."""
    out = []
    for r in rounds:
        cands = [c for c in candidates if c.round == r.index]
        values = finite(c.score for c in cands)
        feasible_keys = [c.key for c in cands if c.feasible]
        pairs = [(c.predicted_mean, c.score) for c in cands if c.predicted_mean is not None and c.score is not None]
        predicted = sum(p for p, _ in pairs) / len(pairs) if pairs else None
        gap = predicted - sum(y for _, y in pairs) / len(pairs) if pairs else None
        out.append(
            RoundSummary(
                index=r.index,
                status=r.status,
                batch_size=r.batch_size,
                n_candidates=len(cands),
                n_scored=sum(1 for c in cands if c.score_status in ("ok", "failed")),
                n_feasible=len(feasible_keys),
                n_unique=len(set(feasible_keys)),
                best=max(values) if values else None,
                mean=sum(values) / len(values) if values else None,
                seconds=dict(r.seconds),
                unique_fraction=len(set(feasible_keys)) / len(cands) if cands else None,
                predicted_mean=predicted,
                prediction_gap=gap,
                kl_to_prior=r.metrics.get("kl_to_prior"),
            )
        )
    return out


def measured_sequence(candidates: Sequence[CandidateRecord]) -> list[float | None]:
    """Scores in the order the oracle was called (one entry per measured, non-duplicate candidate;
    None for infeasible or failed measurements)."""
    seq = []
    for c in sorted(candidates, key=lambda c: c.id):
        if c.duplicate_of is None and c.score_status in ("ok", "failed"):
            seq.append(c.score)
    return seq


def best_so_far(values: Sequence[float | None]) -> list[float | None]:
    out, best = [], None
    for v in values:
        if v is not None and (best is None or v > best):
            best = v
        out.append(best)
    return out


def simple_regret(optimum: float, values: Sequence[float | None]) -> list[float | None]:
    return [None if b is None else optimum - b for b in best_so_far(values)]


def cumulative_regret(optimum: float, values: Sequence[float | None], floor: float = 0.0) -> list[float]:
    """Sum of (optimum - y); an infeasible or failed call counts as y = `floor`."""
    out, total = [], 0.0
    for v in values:
        total += optimum - (floor if v is None else v)
        out.append(total)
    return out


def top_k_mean(values: Sequence[float | None], k: int = 10) -> list[float | None]:
    """Mean of the k best values seen so far after each call (None until k values exist)."""
    seen: list[float] = []
    out: list[float | None] = []
    for v in values:
        if v is not None:
            seen.append(v)
            seen.sort(reverse=True)
            del seen[k:]
        out.append(sum(seen) / k if len(seen) == k else None)
    return out


def top_k_auc(values: Sequence[float | None], budget: int, k: int = 10) -> float:
    """PMO's top-k AUC: area under the top-k-mean curve over oracle calls divided by the budget.
    Calls before k values exist contribute 0; after the last call the curve stays flat to `budget`."""
    curve = [v or 0.0 for v in top_k_mean(values, k)][:budget]
    if not curve:
        return 0.0
    area = sum(curve) + curve[-1] * (budget - len(curve))
    return area / budget


@dataclass(frozen=True)
class CampaignStatus:
    """What `status --json` reports."""

    name: str
    domain: str
    method: str
    oracle: str
    budget: int
    oracle_calls: int
    best_so_far: float | None
    optimum: float | None
    regret: float | None
    state: str
    rounds: list[RoundSummary]
