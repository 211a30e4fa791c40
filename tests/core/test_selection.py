"""The batch selection rule (core/selection.py) on hand-made pools: acquisition order, the near-neighbour
penalty, and the loop's use of it (no repeats, only new feasible designs, a full batch)."""

from __future__ import annotations

import numpy as np
import pytest

from designer_app.core.loop import _choose, _new_designs
from designer_app.core.methods import Acquisition, MethodPlan
from designer_app.core.protocols import Proposal, Ranking
from designer_app.core.selection import select_batch


def _block_similarity(groups):
    """Pool members in the same group are identical (similarity 1), others unrelated (0)."""
    groups = np.asarray(groups)

    def similarity(a, b):
        return (groups[np.asarray(a)][:, None] == groups[np.asarray(b)][None, :]).astype(float)

    return similarity


def test_without_diversity_the_batch_is_the_top_of_the_acquisition_in_order():
    picked = select_batch(np.array([0.1, 0.9, 0.5, 0.7, 0.3]), 3, diversity=0.0)
    assert picked.chosen == [1, 3, 2]
    assert picked.penalised == [0.9, 0.7, 0.5]


def test_the_penalty_passes_over_near_copies_of_a_chosen_design():
    acq = np.array([1.0, 0.99, 0.98, 0.5, 0.4])
    groups = [0, 0, 0, 1, 2]  # three near-copies at the top, two distinct designs below
    picked = select_batch(acq, 3, diversity=3.0, similarity=_block_similarity(groups))
    # std(acq) = 0.2665; a copy loses 3 * 0.2665 = 0.80 and falls below 0.5 and 0.4
    assert picked.chosen == [0, 3, 4]
    assert picked.max_similarity == [0.0, 0.0, 0.0]
    assert picked.penalised[1] == pytest.approx(0.5)
    # a small weight keeps the copies: 0.99 - 0.01 * 0.2665 > 0.5
    assert select_batch(acq, 3, diversity=0.01, similarity=_block_similarity(groups)).chosen == [0, 1, 2]


def test_penalised_values_follow_the_hand_computed_rule():
    acq = np.array([3.0, 2.0, 1.0])

    def similarity(a, b):
        table = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.25], [0.0, 0.25, 1.0]])
        return table[np.asarray(a)][:, np.asarray(b)]

    spread = float(np.std(acq))  # 0.8165
    picked = select_batch(acq, 3, diversity=2.0, similarity=similarity)
    # after 0: member 1 = 2 - 2*spread*0.5 = 1.18, member 2 = 1 - 0 = 1.0 -> member 1; then 2: 1 - 2*spread*0.25
    assert picked.chosen == [0, 1, 2]
    assert picked.penalised == pytest.approx([3.0, 2.0 - spread, 1.0 - 0.5 * spread])
    assert picked.max_similarity == pytest.approx([0.0, 0.5, 0.25])


def test_a_pool_smaller_than_the_batch_is_taken_whole_and_nan_goes_last():
    picked = select_batch(np.array([np.nan, 0.2]), 5, diversity=0.0)
    assert picked.chosen == [1, 0]
    with pytest.raises(ValueError, match="needs a similarity"):
        select_batch(np.array([1.0, 2.0]), 2, diversity=0.5)
    with pytest.raises(ValueError, match="diversity must be >= 0"):
        select_batch(np.array([1.0, 2.0]), 2, diversity=-1.0, similarity=_block_similarity([0, 1]))


class _PoolEngine:
    """Ranks by the number written in each item ("d7" -> 7.0); similarity from the item's letter."""

    def key(self, item):
        return item

    def rank(self, items, latents, measured, reward_path, acquisition, seed):
        values = [float(item[1:]) for item in items]
        letters = [item[0] for item in items]
        return Ranking(values, [0.0] * len(values), values, "items", _block_similarity(letters))


def test_the_loop_chooses_new_feasible_distinct_designs_by_acquisition_with_diversity():
    pool = Proposal(
        items=["a9", "a9", "a8", "b5", None, "c7", "z99", "c6", "d1"],
        latents=[[float(i)] for i in range(9)],
        feasible=[True, True, True, True, False, True, True, True, True],
        reasons=["", "", "", "", "decoded to nothing", "", "", "", ""],
    )
    stored = {"z99"}  # measured before: never proposed again, however high it ranks
    assert _new_designs(pool, stored, str) == [0, 2, 3, 5, 7, 8]

    class Cfg:
        class selection:
            diversity = 10.0

    plan = MethodPlan(fit=True, finetune=True, acquisition=Acquisition("ucb-gram"), select=True)
    batch, figures, ranked = _choose(_PoolEngine(), pool, 3, [("x", 1.0)], stored, None, plan, Cfg, seed=0)
    assert batch.items == ["a9", "c7", "b5"]  # one per letter group: a8 and c6 are near-copies
    assert batch.latents == [[0.0], [5.0], [3.0]]
    assert ranked.mean == [9.0, 7.0, 5.0]
    assert figures["pool_size"] == 9 and figures["pool_new"] == 6 and figures["pool_infeasible"] == 1
    assert figures["ranking_model"] == "items"


def test_with_nothing_measured_the_loop_takes_the_first_new_designs():
    class Blind(_PoolEngine):
        def rank(self, *args, **kwargs):
            return None

    pool = Proposal(["a1", "a1", "b2", "c3"], [[0.0]] * 4, [True] * 4, [""] * 4)

    class Cfg:
        class selection:
            diversity = 0.5

    plan = MethodPlan(fit=True, finetune=True, acquisition=Acquisition("mean"), select=True)
    batch, figures, ranked = _choose(Blind(), pool, 2, [], set(), None, plan, Cfg, seed=0)
    assert batch.items == ["a1", "b2"] and ranked is None and figures["ranking_model"] is None


def test_designs_the_oracle_judged_infeasible_teach_the_item_model_the_lowest_score():
    from types import SimpleNamespace

    from designer_app.core.loop import _for_ranking

    def record(item, score, status="ok", feasible=True, duplicate_of=None):
        return SimpleNamespace(
            item=item, score=score, score_status=status, feasible=feasible, duplicate_of=duplicate_of
        )

    known = [
        record("a", 0.2),
        record("b", 0.9),
        record("banned", None),  # scored by the oracle as infeasible
        record("pending", None, status="pending"),
        record("failed", None, status="failed"),
        record("again", None, duplicate_of=1),
    ]
    measured = [("a", 0.2), ("b", 0.9)]
    assert _for_ranking(known, measured) == [("a", 0.2), ("b", 0.9), ("banned", 0.2)]
    assert _for_ranking([record("banned", None)], []) == []
