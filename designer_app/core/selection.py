"""Choosing a round's batch from a large pool of the tuned model's samples (issue 21, "choose the batch").

SEIKO's fine-tuning makes the sampler put its mass where the optimistic reward is high; sampling the batch
from it directly then spends calls on whatever the sampler happens to draw, near-copies included. Drawing a
pool many times the batch and selecting from it applies the same optimism to what the tuned model can
generate, at the price of decoding the pool (cheap for latent models).

The rule, greedy and deterministic: repeatedly take the pool member with the largest
    acquisition_i - diversity * spread * max_{j chosen} similarity(i, j),
where `spread` is the standard deviation of the acquisition over the pool (so `diversity` is unit-free:
at 0.5 a near-copy of a chosen design, similarity 1, loses half a standard deviation) and similarity is in
[0, 1] (Tanimoto of the item features). Repeats of measured designs and of each other never enter the pool
(the caller passes only new, feasible, distinct designs), so the batch never wastes a call on a repeat.

Pure numpy; the loop wires it to the item model (models/item_gp.py) through the Engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Selection:
    """The outcome of choosing a batch.

    Attributes:
        chosen: indices into the pool, in the order they were chosen (best first).
        penalised: for each chosen index, the value it was chosen with (acquisition minus the penalty).
        max_similarity: for each chosen index, its largest similarity to a design chosen before it
            (0 for the first), the figure that says how diverse the batch is.
    """

    chosen: list[int]
    penalised: list[float]
    max_similarity: list[float]


def select_batch(
    acquisition: np.ndarray,
    batch: int,
    diversity: float,
    similarity: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> Selection:
    """Choose up to `batch` of the pool's members by acquisition with near-neighbour penalisation.

    Args:
        acquisition: (P,) the method's acquisition value of each pool member (higher = better).
        batch: how many to choose (all of the pool when it has fewer).
        diversity: weight of the penalty, >= 0; 0 = plain top-`batch` by acquisition.
        similarity: (idx_a (A,), idx_b (B,)) -> (A, B) similarities in [0, 1] between pool members; required
            when diversity > 0. Called once per chosen member with all pool indices, so (P,) x (1,) at a time.
    """
    acq = np.asarray(acquisition, dtype=np.float64)
    if acq.ndim != 1:
        raise ValueError(f"acquisition must be one value per pool member (got shape {acq.shape})")
    n = min(int(batch), len(acq))
    if n <= 0:
        return Selection([], [], [])
    if diversity < 0:
        raise ValueError(f"diversity must be >= 0 (got {diversity})")
    finite = np.where(np.isfinite(acq), acq, -np.inf)
    if diversity == 0 or similarity is None or n == 1:
        if diversity > 0 and similarity is None and n > 1:
            raise ValueError("a diversity weight needs a similarity between pool members")
        order = np.argsort(-finite, kind="stable")[:n]
        return Selection([int(i) for i in order], [float(finite[i]) for i in order], [0.0] * n)
    spread = float(np.std(acq[np.isfinite(acq)])) if np.isfinite(acq).any() else 0.0
    weight = diversity * (spread if spread > 0 else 1.0)
    nearest = np.zeros(len(acq))  # (P,) largest similarity to anything chosen so far
    taken = np.zeros(len(acq), dtype=bool)
    everyone = np.arange(len(acq))
    chosen, values, sims = [], [], []
    for _ in range(n):
        score = np.where(taken, -np.inf, finite - weight * nearest)
        best = int(np.argmax(score))  # ties: the lower index, i.e. the earlier sample
        chosen.append(best)
        values.append(float(score[best]))
        sims.append(float(nearest[best]))
        taken[best] = True
        nearest = np.maximum(nearest, similarity(everyone, np.array([best]))[:, 0])
    return Selection(chosen, values, sims)
