import pytest

from designer_app.core import metrics


def test_best_so_far_skips_failed_calls():
    assert metrics.best_so_far([None, 0.2, 0.1, None, 0.5]) == [None, 0.2, 0.2, 0.2, 0.5]


def test_simple_and_cumulative_regret_by_hand():
    values = [0.5, None, 0.8]
    assert metrics.simple_regret(1.0, values) == pytest.approx([0.5, 0.5, 0.2])
    # failed call counts as y = 0: 0.5 + 1.0 + 0.2
    assert metrics.cumulative_regret(1.0, values) == pytest.approx([0.5, 1.5, 1.7])


def test_top_k_auc_by_hand():
    # k = 2: top-2 mean after calls: None, 0.5 ((0.4+0.6)/2), 0.75 ((0.9+0.6)/2); budget 4 -> flat tail
    values = [0.4, 0.6, 0.9]
    assert metrics.top_k_mean(values, k=2) == [None, 0.5, 0.75]
    assert metrics.top_k_auc(values, budget=4, k=2) == pytest.approx((0 + 0.5 + 0.75 + 0.75) / 4)
