"""Campaign metrics from true scores: per-round summaries, best-so-far, regret, top-k AUC.

All functions take plain records or numbers, so benchmarks, the CLI and the GUI share them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from designer_app.core.records import (
    AWAITING,
    DONE,
    SELECTION_FIGURES,
    CandidateRecord,
    RoundRecord,
    RoundSummary,
    finite,
)

# What `status` and the window say about a campaign as a whole (see campaign_state).
NEW, IN_PROGRESS, AWAITING_SCORES, FINISHED = "new", "in_progress", "awaiting_scores", "finished"


def round_summaries(rounds: Sequence[RoundRecord], candidates: Sequence[CandidateRecord]) -> list[RoundSummary]:
    """Per round: counts, and best/mean of the true scores of the round's candidates (duplicates
    count with their original's score, so the mean describes what the model proposed)."""
    out = []
    for r in rounds:
        cands = [c for c in candidates if c.round == r.index]
        values = finite(c.score for c in cands)
        feasible_keys = [c.key for c in cands if c.feasible]
        pairs = [(c.predicted_mean, c.score) for c in cands if c.predicted_mean is not None and c.score is not None]
        predicted: float | None = None
        gap: float | None = None
        if pairs:
            predicted = sum(p for p, _ in pairs) / len(pairs)
            gap = predicted - sum(y for _, y in pairs) / len(pairs)
        # ranked only over the designs this round measured: a duplicate's prediction was made after its
        # original's score had been learnt
        fresh = [
            (c.predicted_mean, c.score)
            for c in cands
            if c.measured_here and c.predicted_mean is not None and c.score is not None
        ]
        ranking = spearman([p for p, _ in fresh], [y for _, y in fresh])
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
                prediction_spearman=ranking,
                kl_to_prior=r.metrics.get("kl_to_prior"),
                infeasible_fraction=infeasible_fraction(cands),
                selection={k: r.metrics[k] for k in SELECTION_FIGURES if k in r.metrics},
            )
        )
    return out


def _ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of the ranks they span ([3, 1, 3] -> [2.5, 1, 2.5])."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation of paired values (Pearson's on tie-averaged ranks); None for fewer than
    three pairs or when either side is constant (no ranking to judge)."""
    if len(xs) != len(ys) or len(xs) < 3:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / (sxx * syy) ** 0.5


def measured_sequence(candidates: Sequence[CandidateRecord]) -> list[float | None]:
    """Scores in the order the oracle was called (one entry per measured, non-duplicate candidate;
    None for infeasible or failed measurements)."""
    return [c.score for c in sorted(candidates, key=lambda c: c.id) if c.measured_here]


def best_score(candidates: Iterable[CandidateRecord]) -> float | None:
    """The best true score of any candidate so far (a duplicate counts with its original's score); None
    before the first score."""
    values = finite(c.score for c in candidates)
    return max(values) if values else None


def oracle_calls(candidates: Iterable[CandidateRecord]) -> int:
    """Candidates with a final measurement of their own (ok or failed), i.e. the budget actually spent."""
    return sum(1 for c in candidates if c.measured_here)


def campaign_state(rounds: Sequence[RoundRecord], planned_rounds: int) -> str:
    """The campaign's state: AWAITING_SCORES while a round waits for lab scores, FINISHED once all
    `planned_rounds` rounds are done, else IN_PROGRESS, or NEW before the first round."""
    if any(r.status == AWAITING for r in rounds):
        return AWAITING_SCORES
    if rounds and len(rounds) == planned_rounds and all(r.status == DONE for r in rounds):
        return FINISHED
    return IN_PROGRESS if rounds else NEW


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
    """Mean of the (up to) k best values seen so far, after each call.

    As PMO (Gao et al. 2022) computes it: while fewer than k values exist, the mean of those that do;
    None until the first value (calls that returned no value are skipped)."""
    if k < 1:
        raise ValueError(f"k must be at least 1 (got {k})")
    seen: list[float] = []
    out: list[float | None] = []
    for v in values:
        if v is not None:
            seen.append(v)
            seen.sort(reverse=True)
            del seen[k:]
        out.append(sum(seen) / len(seen) if seen else None)
    return out


def top_k_auc(values: Sequence[float | None], budget: int, k: int = 10, every: int = 1) -> float:
    """PMO's top-k AUC: area under the top-k-mean curve over oracle calls, divided by the budget.

    The curve starts at 0 before the first call and is integrated with the trapezoid rule between
    points taken every `every` calls (PMO's code logs every 100; 1 integrates exactly) plus the last
    call; a run that stopped early keeps its last value flat up to `budget`, calls past `budget` are
    ignored. A point with no value yet counts as 0. Result: the average top-k mean over the budget,
    in score units (1.0 for a run that found k items scoring 1 at its first call)."""
    if budget < 1:
        raise ValueError(f"budget must be at least 1 (got {budget})")
    if every < 1:
        raise ValueError(f"every must be at least 1 (got {every})")
    curve = [0.0 if v is None else v for v in top_k_mean(list(values)[:budget], k)]
    n = len(curve)
    area, prev, called = 0.0, 0.0, 0
    for idx in range(every, n, every):  # PMO stops short of the last call and adds it below
        area += every * (curve[idx - 1] + prev) / 2
        prev, called = curve[idx - 1], idx
    last = curve[-1] if curve else 0.0
    area += (n - called) * (last + prev) / 2
    area += (budget - n) * last
    return area / budget


def infeasible_fraction(candidates: Sequence[CandidateRecord]) -> float | None:
    """Share of proposals that were infeasible: rejected by the domain (invalid molecule, bad letter)
    or judged infeasible by the oracle (status ok without a value, e.g. Ehrlich's banned transitions).
    Duplicates count like their original: proposing an infeasible design twice wastes two slots."""
    if not candidates:
        return None
    bad = sum(1 for c in candidates if not c.feasible or (c.score_status == "ok" and c.score is None))
    return bad / len(candidates)


def unique_fraction(candidates: Sequence[CandidateRecord]) -> float | None:
    """Distinct feasible designs (by key) per proposal."""
    if not candidates:
        return None
    return len({c.key for c in candidates if c.feasible and c.key}) / len(candidates)


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
