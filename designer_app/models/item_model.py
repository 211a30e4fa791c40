"""Ranking a round's pool: the item model (a Tanimoto GP on the domain's item features) with the method's
acquisition, and the similarity the selection's diversity rule reads.

The GP is refitted from the measured items each time a pool is ranked: it is its data plus two numbers,
fitting 1,000 labels takes well under a second, and so nothing has to be stored or kept in step with the
store (a rollback or an imported score is simply part of the next fit).

Acquisitions, as the methods define them (core/methods.py), on the GP posterior:
- ucb-gram / ucb-std (seiko-ucb): mean + beta * posterior std;
- mean (greedy, non-adaptive): the posterior mean;
- max (seiko-bootstrap): the largest of n_heads posterior draws per design (the GP's counterpart of the
  maximum over bootstrap heads);
- head (seiko-ts): one joint posterior draw over the pool (Thompson sampling); pools larger than
  JOINT_LIMIT draw each design's marginal instead, because the joint draw needs an eigendecomposition of
  the pool's covariance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from designer_app.core.protocols import Ranking
from designer_app.models.item_gp import TanimotoGP, tanimoto

JOINT_LIMIT = 3000


def gp_acquisition(
    gp: TanimotoGP, feats: np.ndarray, kind: str, beta: float, head: int, n_heads: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, std, acquisition), each (M,), of the fitted `gp` at pool features `feats` (M, F)."""
    post = gp.predict(feats)
    rng = np.random.default_rng([seed, head])
    if kind in ("ucb-gram", "ucb-std"):
        acq = post.mean + beta * post.std
    elif kind == "mean":
        acq = post.mean
    elif kind == "max":
        draws = post.mean[None, :] + post.std[None, :] * rng.standard_normal((max(n_heads, 1), len(post.mean)))
        acq = draws.max(0)
    elif kind == "head":
        if len(feats) <= JOINT_LIMIT:
            acq = gp.sample(feats, 1, rng)[0]
        else:
            acq = post.mean + post.std * rng.standard_normal(len(post.mean))
    else:
        raise ValueError(f"unknown acquisition kind {kind}")
    return post.mean, post.std, acq


def rank_items(
    domain: Any,
    measured: Sequence[tuple[str, float]],
    pool: Sequence[str],
    acquisition: Any,
    n_heads: int,
    seed: int,
) -> Ranking | None:
    """Rank `pool` items with a GP fitted on `measured` (item, score) pairs; None when the domain has no
    item features or fewer than two designs were measured.

    `acquisition` is a core.methods.Acquisition (kind, beta, head)."""
    if len(measured) < 2 or not pool:
        return None
    feats = domain.item_features([item for item, _ in measured] + list(pool))
    if feats is None:
        return None
    feats = np.asarray(feats, dtype=np.float64)
    train, rest = feats[: len(measured)], feats[len(measured) :]  # (N, F), (M, F)
    gp = TanimotoGP().fit(train, np.array([score for _, score in measured], dtype=np.float64))
    mean, std, acq = gp_acquisition(gp, rest, acquisition.kind, acquisition.beta, acquisition.head, n_heads, seed)

    def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return tanimoto(rest[a], rest[b])

    return Ranking(mean=mean.tolist(), std=std.tolist(), acquisition=acq.tolist(), model="items", similarity=similarity)


def latent_similarity(latents: np.ndarray):
    """Similarity in [0, 1] between pool members for domains without item features: a Gaussian of the
    latent distance with the pool's median pairwise distance as its width (so half the pairs are more
    similar than exp(-1))."""
    x = np.asarray(latents, dtype=np.float64).reshape(len(latents), -1)  # (P, D)
    sample = x[: min(len(x), 256)]
    d2 = ((sample[:, None, :] - sample[None, :, :]) ** 2).sum(-1)
    width = float(np.median(d2[np.triu_indices(len(sample), 1)])) if len(sample) > 1 else 1.0
    width = width if width > 0 else 1.0

    def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        dist = ((x[a][:, None, :] - x[b][None, :, :]) ** 2).sum(-1)
        return np.exp(-dist / width)

    return similarity
