"""The item reward model: the Tanimoto kernel, the GP against a hand computation, the acquisitions, and the
domains' item features."""

from __future__ import annotations

import numpy as np
import pytest

from designer_app.core.methods import Acquisition
from designer_app.domains.molecules import MOLECULES
from designer_app.domains.sequences import DNA, PROTEIN, sequence_features
from designer_app.models.item_gp import TanimotoGP, tanimoto
from designer_app.models.item_model import gp_acquisition, rank_items


def test_tanimoto_of_count_vectors_by_hand():
    a = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    b = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    # a0.b0 = 3, |a0|^2 = 5, |b0|^2 = 3 -> 3 / (5 + 3 - 3) = 0.6; zero vs non-zero = 0; zero vs zero = 1
    assert tanimoto(a, b) == pytest.approx(np.array([[0.6, 0.0], [0.0, 1.0]]))
    binary = np.array([[1, 1, 0, 1]]), np.array([[1, 0, 1, 1]])
    assert tanimoto(*binary)[0, 0] == pytest.approx(2 / 4)  # |A and B| / |A or B|


def test_the_gp_posterior_equals_the_textbook_formula_at_the_chosen_noise():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(12, 6)).astype(float)
    y = x[:, 0] - 0.5 * x[:, 1] + 0.1 * rng.standard_normal(12)
    test = rng.integers(0, 3, size=(4, 6)).astype(float)
    gp = TanimotoGP().fit(x, y)
    post = gp.predict(test)
    ys = (y - y.mean()) / y.std()
    k = tanimoto(x, x) + gp.noise_ratio * np.eye(12)
    ks = tanimoto(test, x)
    mean = ks @ np.linalg.solve(k, ys) * y.std() + y.mean()
    var = gp.amplitude * (1 - np.einsum("mn,mn->m", ks, np.linalg.solve(k, ks.T).T))
    assert post.mean == pytest.approx(mean, rel=1e-6, abs=1e-8)
    assert post.std == pytest.approx(np.sqrt(np.clip(var, 0, None)) * y.std(), rel=1e-5, abs=1e-8)
    # the profiled amplitude is y^T (K + rI)^-1 y / n
    assert gp.amplitude == pytest.approx(float(ys @ np.linalg.solve(k, ys)) / 12, rel=1e-6)


def test_the_gp_is_confident_at_its_data_and_unsure_far_from_it():
    x = np.eye(6)[:5] * 3
    gp = TanimotoGP(noise_grid=(1e-4,)).fit(x, np.arange(5.0))
    near = gp.predict(x[:1])
    far = gp.predict(np.eye(6)[5:] * 3)  # shares no feature with any label
    assert near.mean[0] == pytest.approx(0.0, abs=1e-2) and far.std[0] > 10 * near.std[0]
    assert far.mean[0] == pytest.approx(2.0, abs=1e-6)  # the label mean: the prior mean after standardising
    draws = gp.sample(np.vstack([x[:1], np.eye(6)[5:] * 3]), 400, np.random.default_rng(1))
    assert draws.shape == (400, 2)
    assert draws[:, 1].std() == pytest.approx(far.std[0], rel=0.15) and draws[:, 0].std() < 0.1


def test_acquisitions_follow_the_method_definitions():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2, size=(20, 8)).astype(float)
    gp = TanimotoGP().fit(x, x[:, 0] + x[:, 1])
    pool = rng.integers(0, 2, size=(6, 8)).astype(float)
    post = gp.predict(pool)
    mean, std, ucb = gp_acquisition(gp, pool, "ucb-gram", 2.0, 0, 5, seed=0)
    assert ucb == pytest.approx(post.mean + 2.0 * post.std)
    assert gp_acquisition(gp, pool, "mean", 2.0, 0, 5, 0)[2] == pytest.approx(post.mean)
    best_of_heads = gp_acquisition(gp, pool, "max", 1.0, 0, 5, 0)[2]
    assert np.all(best_of_heads >= post.mean - 3 * post.std)
    ts_a = gp_acquisition(gp, pool, "head", 1.0, 1, 5, 0)[2]
    assert ts_a == pytest.approx(gp_acquisition(gp, pool, "head", 1.0, 1, 5, 0)[2])  # reproducible
    assert not np.allclose(ts_a, gp_acquisition(gp, pool, "head", 1.0, 2, 5, 0)[2])  # another head, another draw
    with pytest.raises(ValueError, match="unknown acquisition"):
        gp_acquisition(gp, pool, "nope", 1.0, 0, 5, 0)


def test_rank_items_ranks_molecules_by_fingerprint_similarity_to_good_ones():
    measured = [("CCO", 0.1), ("CCCO", 0.2), ("c1ccccc1O", 0.9), ("c1ccccc1N", 0.8)]
    ranking = rank_items(MOLECULES, measured, ["Cc1ccccc1O", "CCCCO"], Acquisition("mean"), 5, 0)
    assert ranking.model == "items"
    assert ranking.mean[0] > ranking.mean[1]  # the phenol analogue ranks above the alcohol
    assert ranking.similarity(np.array([0, 1]), np.array([0]))[:, 0] == pytest.approx([1.0, 0.0], abs=0.2)
    assert rank_items(MOLECULES, measured[:1], ["CCO"], Acquisition("mean"), 5, 0) is None  # one label is not a model


def test_sequence_features_by_hand_and_dna_strands_are_one_design():
    x = sequence_features(["ACA"], "AC", gaps=(1, 2))
    # one-hot A C A, then pairs gap 1: AC, CA; gap 2: AA
    assert x.tolist() == [[1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0]]
    assert DNA.item_features(["AACG"]).tolist() == DNA.item_features(["CGTT"]).tolist()  # reverse complements
    assert PROTEIN.item_features(["MK", "MKL"]).shape[1] == 3 * 20 + 4 * 400  # padded to the longest
