"""`ehrlich[:...]`: the spec, the construction (DMP, motifs, spacings), the objective on a hand-built
example, the optimum, quantisation, and the registry wiring."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from designer_app.core.protocols import OK, Oracle
from designer_app.oracles import OracleSpecError, list_oracles, parse_oracle
from designer_app.oracles.ehrlich import AMINO_ACIDS, EhrlichFunction, EhrlichOracle, EhrlichSpec

DEFAULT = EhrlichSpec()
SPECS = [
    DEFAULT,
    EhrlichSpec(20, 32, 2, 4, 4, 1),
    EhrlichSpec(20, 32, 2, 4, 2, 7),
    EhrlichSpec(20, 64, 4, 4, 4, 3),
    EhrlichSpec(20, 256, 4, 5, 5, 0),
    EhrlichSpec(20, 20, 4, 5, 1, 2),  # no slack: motifs back to back, unit gaps
    EhrlichSpec(10, 24, 2, 3, 3, 5),
    EhrlichSpec(4, 8, 1, 4, 2, 0),
    EhrlichSpec(3, 9, 3, 1, 1, 0),
]


# ----------------------------------------------------------------------------------------------------
# Spec


def test_default_spec_and_text_round_trip():
    assert DEFAULT == EhrlichSpec(20, 32, 2, 4, 4, 0) and DEFAULT.text() == "ehrlich:20,32,2,4,4,0"
    assert EhrlichSpec.parse("ehrlich") == DEFAULT == EhrlichSpec.parse(" EHRLICH ")
    for spec in SPECS:
        assert EhrlichSpec.parse(spec.text()) == spec
    assert EhrlichSpec.parse("10, 24, 2, 3, 3, 5") == EhrlichSpec(10, 24, 2, 3, 3, 5)
    with pytest.raises(AttributeError):
        DEFAULT.seed = 3  # frozen


@pytest.mark.parametrize(
    "text,message",
    [
        ("ehrlich:20,32,2,4", "has 4 value"),
        ("ehrlich:", "has 1 value"),
        ("ehrlich:20,32,2,4,x,0", "quantization='x'.*not an integer"),
        ("ehrlich:21,32,2,4,4,0", "num_states=21: use 2..20"),
        ("ehrlich:1,32,1,1,1,0", "num_states=1"),
        ("ehrlich:20,32,2,4,3,0", "quantization=3 must divide motif_length=4; use one of 1, 2, 4"),
        ("ehrlich:20,32,2,4,8,0", "quantization=8 must divide"),
        ("ehrlich:20,32,2,4,0,0", "quantization=0 must be at least 1"),
        ("ehrlich:20,32,6,4,4,0", "exceeds num_states=20"),
        ("ehrlich:20,7,2,4,4,0", "exceeds dim=7"),
        ("ehrlich:20,32,2,4,4,-1", "seed=-1"),
    ],
)
def test_bad_specs_say_what_to_change(text, message):
    with pytest.raises(ValueError, match=message):
        EhrlichSpec.parse(text)


# ----------------------------------------------------------------------------------------------------
# Construction


def test_same_seed_same_function_and_samples():
    a, b = EhrlichFunction(DEFAULT), EhrlichFunction(EhrlichSpec())
    np.testing.assert_array_equal(a.transition_matrix, b.transition_matrix)
    np.testing.assert_array_equal(a.motifs, b.motifs)
    np.testing.assert_array_equal(a.spacings, b.spacings)
    assert a.optimal_sequence() == b.optimal_sequence()
    assert a.sample_feasible(20, 11) == b.sample_feasible(20, np.random.default_rng(11))


def test_different_seeds_give_different_functions():
    functions = [EhrlichFunction(EhrlichSpec(seed=s)) for s in range(6)]
    for f, g in itertools.combinations(functions, 2):
        assert not np.array_equal(f.transition_matrix, g.transition_matrix)
        assert f.motif_strings != g.motif_strings or not np.array_equal(f.spacings, g.spacings)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.text())
def test_dmp_motifs_and_spacings_follow_the_definition(spec):
    f = EhrlichFunction(spec)
    a, v = f.transition_matrix, spec.num_states
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    assert (np.diag(a) > 0).all()  # repeats are always allowed
    # Banned transitions come from a circulant band of half-width int(0.4 v) with shuffled rows.
    assert ((a == 0).sum(axis=1) <= v - (2 * int(0.4 * v) + 1)).all()
    step, reach = (a > 0).astype(np.int64), np.eye(v, dtype=np.int64)
    for _ in range((v - 1) ** 2 + 1):  # primitive (ergodic): every state reaches every state in m steps
        reach = ((reach @ step) > 0).astype(np.int64)
    assert reach.all()
    chain = f.motifs.ravel()
    assert len(set(chain.tolist())) == chain.size  # motifs do not share states
    assert (a[chain[:-1], chain[1:]] > 0).all()  # inside motifs and from one motif to the next
    assert (f.spacings[:, 0] == 0).all() and (np.diff(f.spacings, axis=1) > 0).all()
    assert f.spacings[:, -1].max() + 1 <= spec.dim // spec.num_motifs
    assert "".join(f.motif_strings) == "".join(AMINO_ACIDS[i] for i in chain)


def test_default_function_bans_transitions():
    a = EhrlichFunction(DEFAULT).transition_matrix
    assert set((a == 0).sum(axis=1).tolist()) <= {2, 3}


# ----------------------------------------------------------------------------------------------------
# Sequences


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.text())
def test_optimal_sequence_scores_exactly_one(spec):
    f = EhrlichFunction(spec)
    best = f.optimal_sequence()
    assert len(best) == spec.dim and f.is_feasible(best)
    assert f.value(best) == 1.0 and f.value(best.lower()) == 1.0
    result = EhrlichOracle(spec).score([best])[0]
    assert (result.value, result.status) == (1.0, OK)


def test_dmp_samples_are_feasible():
    for spec in SPECS[:4]:
        f = EhrlichFunction(spec)
        samples = f.sample_feasible(500, np.random.default_rng(0))
        assert len(samples) == 500 and all(len(s) == spec.dim for s in samples)
        assert all(f.is_feasible(s) for s in samples)
        assert all(f.value(s) is not None for s in samples)
        assert len(set(samples)) > 450  # diverse, not one repeated chain


def test_uniformly_random_sequences_are_almost_all_infeasible():
    f = EhrlichFunction(DEFAULT)
    x = np.random.default_rng(0).integers(0, 20, size=(20_000, DEFAULT.dim))
    infeasible = 1.0 - f.feasible_states(x).mean()
    assert infeasible > 0.97  # measured 0.992: about 3 of 20 successors are banned per state


@pytest.mark.parametrize("spec", [DEFAULT, EhrlichSpec(20, 32, 2, 4, 2, 7), EhrlichSpec(20, 64, 4, 4, 4, 3)])
def test_values_are_products_of_quantised_motif_scores(spec):
    f = EhrlichFunction(spec)
    q, c = spec.quantization, spec.num_motifs
    allowed = {float(np.prod(combo)) for combo in itertools.product([j / q for j in range(q + 1)], repeat=c)}
    rng = np.random.default_rng(1)
    # DMP samples score low; mutants of the optimum (letters overwritten by their left neighbour) cover
    # the partial-motif levels; the infeasible ones among them are left out.
    items = f.sample_feasible(300, rng)
    best = list(f.optimal_sequence())
    for _ in range(300):
        seq = best.copy()
        for i in rng.integers(1, spec.dim, size=rng.integers(1, 4)):
            seq[i] = seq[i - 1]
        items.append("".join(seq))
    values = [f.value(s) for s in items]
    feasible = [v for v in values if v is not None]
    assert len(feasible) > 400
    assert set(feasible) <= allowed
    assert len(set(feasible)) >= 3
    scores = f.motif_scores(np.stack([f.encode(s) for s in items]))
    assert set(np.unique(scores * q)) <= set(range(q + 1))


# ----------------------------------------------------------------------------------------------------
# A hand-built function: 4 states (A, C, D, E), dim 8, two motifs of length 2.


def _hand_built(quantization: int) -> EhrlichFunction:
    spec = EhrlichSpec(num_states=4, dim=8, num_motifs=2, motif_length=2, quantization=quantization, seed=0)
    a = np.full((4, 4), 0.25)
    a[0, 1] = 0.0  # A -> C banned
    a[3, 0] = 0.0  # E -> A banned
    a /= a.sum(axis=1, keepdims=True)
    motifs = [[0, 2], [1, 3]]  # "AD" with offsets (0, 2): A, any letter, D;  "CE" with offsets (0, 1)
    spacings = [[0, 2], [0, 1]]
    return EhrlichFunction.from_parts(spec, a, motifs, spacings)


@pytest.mark.parametrize(
    "seq,q2,q1",
    [
        # A?D at l=0 (A, D at 2) and CE at l=4: both complete.
        ("AADDCEEE", 1.0, 1.0),
        # A?D: A is always followed two later by A or C, so at most 1 of 2 -> 1/2; CE at l=4 -> 1.
        # With q=1 a half motif counts 0.
        ("ADADCECE", 0.5, 0.0),
        # A?D half present (the D), CE absent -> 1/2 · 0 = 0.
        ("DDDDDDDD", 0.0, 0.0),
        # A at position 7 cannot start A?D (l + 2 is past the end), and CE needs E right after C:
        # A?D -> 0 of 2, so the product is 0 although the sequence is feasible.
        ("EEEEEECA", 0.0, 0.0),
        # A?D complete at l=1; CE only as "CD" -> 1 of 2.
        ("DADDCDDD", 0.5, 0.0),
    ],
)
def test_hand_built_example(seq, q2, q1):
    assert _hand_built(2).value(seq) == q2
    assert _hand_built(1).value(seq) == q1


def test_hand_built_infeasible_and_unscorable_items():
    f = _hand_built(2)
    assert f.value("ACDDCEEE") is None and not f.is_feasible("ACDDCEEE")  # A -> C banned
    assert f.value("AADDCEAD") is None  # E -> A banned
    oracle = EhrlichOracle(function=f)
    assert oracle.name == "ehrlich:4,8,2,2,2,0"
    results = oracle.score(["ACDDCEEE", "AADDCEE", "AADDCEEW", "AADDCEEF", 42, "aaddceee"])
    assert [r.value for r in results] == [None, None, None, None, None, 1.0]
    assert all(r.status == OK for r in results)
    assert "banned transition(s) AC at 0" in results[0].note
    assert "length 7" in results[1].note and "exactly 8" in results[1].note
    assert "'W'" in results[2].note and "'F'" in results[3].note and "(ACDE)" in results[3].note
    assert "string" in results[4].note


def test_from_parts_checks_shapes():
    spec = EhrlichSpec(4, 8, 2, 2, 2, 0)
    a = np.full((4, 4), 0.25)
    with pytest.raises(ValueError, match="row-stochastic"):
        EhrlichFunction.from_parts(spec, np.ones((4, 4)), [[0, 1], [2, 3]], [[0, 1], [0, 1]])
    with pytest.raises(ValueError, match="motif states"):
        EhrlichFunction.from_parts(spec, a, [[0, 1], [2, 4]], [[0, 1], [0, 1]])
    with pytest.raises(ValueError, match="spacings"):
        EhrlichFunction.from_parts(spec, a, [[0, 1], [2, 3]], [[0, 0], [0, 1]])


# ----------------------------------------------------------------------------------------------------
# Registry


def test_registry_builds_ehrlich_for_protein_only():
    oracle = parse_oracle("ehrlich", domain="protein")
    assert isinstance(oracle, Oracle) and isinstance(oracle, EhrlichOracle)
    assert (oracle.name, oracle.optimum, oracle.is_manual, oracle.spec) == ("ehrlich", 1.0, False, DEFAULT)
    custom = parse_oracle(" ehrlich:20,64,4,4,2,9 ", domain="Protein")
    assert custom.name == "ehrlich:20,64,4,4,2,9" and custom.spec == EhrlichSpec(20, 64, 4, 4, 2, 9)
    best = custom.function.optimal_sequence()
    assert custom.score([best])[0].value == 1.0
    with pytest.raises(OracleSpecError, match="domain is 'molecules'.*--domain protein"):
        parse_oracle("ehrlich")
    with pytest.raises(OracleSpecError, match="domain is 'dna'"):
        parse_oracle("ehrlich:20,32,2,4,4,0", domain="dna")


@pytest.mark.parametrize(
    "spec,message",
    [
        ("ehrlich:20,32", "num_states,dim,num_motifs,motif_length,quantization,seed.*ehrlich:20,32,2,4,4,0"),
        ("ehrlich:20,32,2,4,3,0", "must divide motif_length"),
        ("ehrlich[seed=1]", "takes no options"),
        ("erhlich", "did you mean 'ehrlich'"),
    ],
)
def test_registry_errors_show_the_format(spec, message):
    with pytest.raises(OracleSpecError, match=message):
        parse_oracle(spec, domain="protein")


def test_registry_lists_ehrlich():
    entries = dict(list_oracles())
    assert "ehrlich[:v,L,c,k,q,seed]" in entries and "ehrlich:20,32,2,4,4,0" in entries["ehrlich[:v,L,c,k,q,seed]"]
