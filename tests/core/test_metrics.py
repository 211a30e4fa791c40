import random
from dataclasses import replace

import pytest

from designer_app.core import metrics
from designer_app.core.records import CandidateRecord, RoundRecord


def test_best_so_far_skips_failed_calls():
    assert metrics.best_so_far([None, 0.2, 0.1, None, 0.5]) == [None, 0.2, 0.2, 0.2, 0.5]


def test_simple_and_cumulative_regret_by_hand():
    values = [0.5, None, 0.8]
    assert metrics.simple_regret(1.0, values) == pytest.approx([0.5, 0.5, 0.2])
    # failed call counts as y = 0: 0.5 + 1.0 + 0.2
    assert metrics.cumulative_regret(1.0, values) == pytest.approx([0.5, 1.5, 1.7])


def test_top_k_mean_uses_what_exists_before_k_values():
    # PMO: with fewer than k values the mean of those that exist; calls without a value are skipped
    out = metrics.top_k_mean([None, 0.4, 0.6, 0.9], k=2)
    assert out[0] is None and out[1:] == pytest.approx([0.4, 0.5, 0.75])
    assert metrics.top_k_mean([0.3, 0.1, 0.2], k=10) == pytest.approx([0.3, 0.2, 0.2])


def test_top_k_auc_by_hand():
    # k = 2, curve after calls 1..3: 0.4, 0.5, 0.75; starts at 0; trapezoids, then flat to budget 4:
    # (0+0.4)/2 + (0.4+0.5)/2 + (0.5+0.75)/2 + 0.75 = 2.025
    values = [0.4, 0.6, 0.9]
    assert metrics.top_k_auc(values, budget=4, k=2) == pytest.approx(2.025 / 4)
    # PMO's logging every 2 calls: 2*(0+0.5)/2 + 1*(0.5+0.75)/2 + 0.75 = 1.875
    assert metrics.top_k_auc(values, budget=4, k=2, every=2) == pytest.approx(1.875 / 4)
    # a call without a value before the first value counts as 0; calls past the budget are ignored
    assert metrics.top_k_auc([None, 0.5], budget=2) == pytest.approx(0.25 / 2)
    assert metrics.top_k_auc([0.2, 0.2, 1.0], budget=2, k=1) == pytest.approx((0.1 + 0.2) / 2)
    # a run that finds k perfect items at once approaches 1 as the budget grows
    assert metrics.top_k_auc([1.0], budget=1000, k=1) == pytest.approx(1 - 0.5 / 1000)


def _pmo_reference(values, budget, k, every):
    """PMO's procedure as its paper and code describe it: a buffer of (score, call number) for the
    measured items; the top-k mean of the first idx calls every `every` calls, trapezoids from 0,
    the last partial segment, then flat to the budget."""
    buffer = [(v, i + 1) for i, v in enumerate(values[:budget])]
    total, prev, called = 0.0, 0.0, 0
    for idx in range(every, min(len(buffer), budget), every):
        top = sorted((v for v, n in buffer if n <= idx), reverse=True)[:k]
        now = sum(top) / len(top)
        total += every * (now + prev) / 2
        prev, called = now, idx
    top = sorted((v for v, _ in buffer), reverse=True)[:k]
    now = sum(top) / len(top)
    total += (len(buffer) - called) * (now + prev) / 2
    total += (budget - len(buffer)) * now
    return total / budget


@pytest.mark.parametrize("every", [1, 7, 100])
def test_top_k_auc_matches_pmo_procedure_on_random_runs(every):
    rng = random.Random(every)
    for _ in range(20):
        n = rng.randrange(1, 300)
        values = [rng.random() for _ in range(n)]
        budget = rng.randrange(n, 400)
        assert metrics.top_k_auc(values, budget, 10, every) == pytest.approx(_pmo_reference(values, budget, 10, every))


def test_top_k_auc_rejects_bad_arguments():
    with pytest.raises(ValueError, match="budget"):
        metrics.top_k_auc([0.1], budget=0)
    with pytest.raises(ValueError, match="k must"):
        metrics.top_k_mean([0.1], k=0)


def _cand(i, feasible=True, score=None, status="unscored", key=None):
    return CandidateRecord(
        id=i,
        round=1,
        item=key or f"I{i}",
        key=key or f"I{i}",
        feasible=feasible,
        reason="",
        latent=None,
        predicted_mean=None,
        predicted_std=None,
        acquisition=None,
        checkpoint_id=None,
        source="model",
        duplicate_of=None,
        score=score,
        score_status=status,
    )


def test_infeasible_fraction_counts_domain_and_oracle_rejections():
    cands = [
        _cand(1, score=0.5, status="ok"),
        _cand(2, feasible=False),  # invalid for the domain
        _cand(3, score=None, status="ok"),  # the oracle said infeasible (Ehrlich's banned transition)
        _cand(4, score=None, status="failed"),  # a failed measurement is not infeasible
    ]
    assert metrics.infeasible_fraction(cands) == pytest.approx(2 / 4)
    assert metrics.infeasible_fraction([]) is None
    assert metrics.unique_fraction(cands + [_cand(5, key="I1")]) == pytest.approx(3 / 5)


def _dup(i, of, status="unscored", score=None):
    return replace(_cand(i, score=score, status=status), duplicate_of=of)


def test_awaits_score_is_feasible_own_and_without_a_final_measurement():
    """CandidateRecord.awaits_score: what the loop sends to the oracle, what an awaiting round waits for,
    the window's 'still to enter' list and status --json's n_pending."""
    waiting = [_cand(1), _cand(2, status="pending")]
    done = [
        _cand(3, score=0.5, status="ok"),
        _cand(4, status="failed"),
        _cand(5, status="ok"),  # ok without a value: the oracle judged it infeasible
        _cand(6, feasible=False),
        _dup(7, of=1),  # shares candidate 1's score
        _dup(8, of=2, status="pending"),
    ]
    assert [c.id for c in waiting + done if c.awaits_score] == [1, 2]


def test_best_score_and_oracle_calls_of_candidates():
    cands = [
        _cand(1, score=0.2, status="ok"),
        _cand(2, status="failed"),
        _cand(3),
        _dup(4, of=1, status="ok", score=0.2),
    ]
    assert metrics.best_score(cands) == 0.2
    assert metrics.best_score([_cand(1), _cand(2, status="failed")]) is None
    assert metrics.best_score([]) is None
    assert metrics.best_score([_cand(1, score=-3.0, status="ok"), _cand(2, score=-1.5, status="ok")]) == -1.5
    assert metrics.oracle_calls(cands) == 2  # the duplicate's copied score was no call


def _round(index, status):
    return RoundRecord(index=index, status=status, batch_size=4, started_at="", updated_at="")


@pytest.mark.parametrize(
    "statuses, planned, state",
    [
        ([], 3, "new"),
        (["done"], 3, "in_progress"),
        (["done", "fitted"], 2, "in_progress"),
        (["done", "awaiting_scores"], 2, "awaiting_scores"),
        (["done", "done"], 2, "finished"),
        (["done", "done"], 3, "in_progress"),
        (["awaiting_scores", "done"], 2, "awaiting_scores"),
    ],
)
def test_campaign_state(statuses, planned, state):
    rounds = [_round(i, s) for i, s in enumerate(statuses, start=1)]
    assert metrics.campaign_state(rounds, planned) == state


def test_spearman_by_hand():
    # one swapped pair of four: d = (0, 1, 1, 0), rho = 1 - 6 * 2 / (4 * (16 - 1)) = 0.8
    assert metrics.spearman([1, 2, 3, 4], [10, 30, 20, 40]) == pytest.approx(0.8)
    assert metrics.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # ties share their mean rank: x ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4); Pearson of the ranks
    # = 4.5 / sqrt(4.5 * 5) = 0.9487
    assert metrics.spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(4.5 / (4.5 * 5) ** 0.5)
    # no ranking to judge: fewer than three pairs, or one side constant
    assert metrics.spearman([1, 2], [2, 1]) is None
    assert metrics.spearman([1, 1, 1], [1, 2, 3]) is None


def test_round_summary_ranks_the_predictions_made_before_measuring():
    rounds = [_round(1, "done"), _round(2, "done")]
    first = [_cand(i, score=0.1 * i, status="ok") for i in range(1, 5)]
    # round 2 was proposed with predictions; its last candidate has no score yet
    predicted = [(0.9, 0.5), (0.2, 0.1), (0.4, 0.3), (0.8, None)]
    second = [
        replace(_cand(10 + i, score=y, status="ok" if y is not None else "unscored"), round=2, predicted_mean=p)
        for i, (p, y) in enumerate(predicted)
    ]
    s1, s2 = metrics.round_summaries(rounds, first + second)
    assert s1.prediction_spearman is None  # round 1 has no reward model yet
    assert s2.prediction_spearman == pytest.approx(metrics.spearman([0.9, 0.2, 0.4], [0.5, 0.1, 0.3]))
    assert s2.prediction_spearman == pytest.approx(1.0)
