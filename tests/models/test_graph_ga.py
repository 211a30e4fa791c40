"""The `graph-ga` baseline's operators and generation (models/molecules/graph_ga.py)."""

import random
from collections import Counter

import pytest
from rdkit import Chem, rdBase
from rdkit.Chem import rdMolDescriptors

from designer_app.models.molecules import graph_ga as gga

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
DIAZEPAM = "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21"
# every mutation applies somewhere here: an acyclic chain (add ring), a ring (delete cyclic bond), C=O, N, O
CHAIN_AND_RING = "CCCCCC(=O)Nc1ccc(O)cc1"

DRUG_LIKE = [
    ASPIRIN,
    DIAZEPAM,
    "CC(C)Cc1ccc(C(C)C(=O)O)cc1",
    "CN1CCC[C@H]1c1cccnc1",
    "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
    "CC(=O)Nc1ccc(O)cc1",
    "COc1ccc2[nH]cc(CCN(C)C)c2c1",
    "O=C(O)Cc1ccccc1Nc1c(Cl)cccc1Cl",
    "CN(C)CCCN1c2ccccc2CCc2ccccc21",
    "CC(C)NCC(O)COc1cccc2ccccc12",
    "CCOC(=O)C1=C(C)NC(C)=C(C(=O)OC)C1c1cccc(Cl)c1Cl",
    "Cc1ccc(-c2cc(C(F)(F)F)nn2-c2ccc(S(N)(=O)=O)cc2)cc1",
    "O=C1CN=C(c2ccccc2F)c2cc([N+](=O)[O-])ccc2N1",
    "Fc1ccc(C(c2ccc(F)cc2)N2CCN(C/C=C/c3ccccc3)CC2)cc1",
    "CS(=O)(=O)Nc1ccc(C(O)CNC(C)C)cc1",
    "O=C(CCCN1CCC(O)(c2ccc(Cl)cc2)CC1)c1ccc(F)cc1",
    "CCN(CC)CC(=O)Nc1c(C)cccc1C",
    "O=C(O)c1cn(C2CC2)c2cc(N3CCNCC3)c(F)cc2c1=O",
    "CC(C)Oc1ccc(CC(=O)N2CCN(C)CC2)cc1",
    "NS(=O)(=O)c1cc(C(=O)O)c(NCc2ccco2)cc1Cl",
    "O=C(Nc1ccc(Cl)cc1)c1cc(Cl)ccc1O",
    "CCOc1ccc2nc(S(N)(=O)=O)sc2c1",
    "O=C1NC(=O)C(c2ccccc2)(c2ccccc2)N1",
    "NC(=O)N1c2ccccc2C=Cc2ccccc21",
    "CNCCC(Oc1ccc(C(F)(F)F)cc1)c1ccccc1",
    "Cc1cc(C)nc(NS(=O)(=O)c2ccc(N)cc2)n1",
    "COc1ccc(-c2cc(=O)c3c(O)cc(O)cc3o2)cc1",
    "N#Cc1ccc(C(c2ccc(C#N)cc2)n2cncn2)cc1",
    "CC1(C)SC2C(NC(=O)Cc3ccccc3)C(=O)N2C1C(=O)O",
    "O=C(NCc1ccccc1)c1ccc(-n2cccc2)cc1",
    "CCOC(=O)c1ccc(NC(=O)c2cccs2)cc1",
    "O=C(Nc1ccccc1)N1CCN(c2ncccn2)CC1",
    "Cc1ccc(NC(=O)CSc2nnc(-c3ccncc3)n2C)cc1",
    "O=C(CN1C(=O)c2ccccc2C1=O)Nc1ccc(F)cc1",
    "COc1cccc(C(=O)NC2CCN(Cc3ccccc3)CC2)c1",
    "Cc1ccc2nc(SCC(=O)N3CCOCC3)[nH]c2c1",
    "CC(C)n1cnc2c(NCc3ccccc3)nc(Cl)nc21",
    "Cc1cc(=O)oc2cc(OCC(=O)N3CCCCC3)ccc12",
    "Fc1ccc(Cn2c(NC3CCNCC3)nc3ccccc32)cc1",
    "O=C(NC1CC1)c1ccc(Oc2ccc(Cl)cc2)nc1",
]


def canonical(smiles: str) -> str:
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None, smiles
    Chem.RemoveStereochemistry(mol)
    return Chem.MolToSmiles(mol)


def valid(mol) -> bool:
    return mol is not None and Chem.MolFromSmiles(Chem.MolToSmiles(mol)) is not None


def ring_count(mol) -> int:
    return mol.GetRingInfo().NumRings()


MEASURED = [(s, i / len(DRUG_LIKE)) for i, s in enumerate(DRUG_LIKE)]
KNOWN = {canonical(s) for s in DRUG_LIKE}


def test_crossover_of_two_drugs_gives_valid_molecules_most_of_the_time():
    a, b = Chem.MolFromSmiles(ASPIRIN), Chem.MolFromSmiles(DIAZEPAM)
    children = [gga.crossover(a, b, random.Random(seed)) for seed in range(50)]
    made = [c for c in children if c is not None]
    assert len(made) > 25
    assert all(valid(c) and len(Chem.GetMolFrags(c)) == 1 for c in made)
    assert len({Chem.MolToSmiles(c) for c in made}) > 10  # not one child over and over


@pytest.mark.parametrize("kind", ["_ring_crossover", "_non_ring_crossover"])
def test_both_kinds_of_crossover_make_valid_children(kind):
    a, b = gga.prepare(Chem.MolFromSmiles(ASPIRIN)), gga.prepare(Chem.MolFromSmiles(DIAZEPAM))
    rng = random.Random(1)
    with gga.quiet_rdkit():
        made = [c for c in (getattr(gga, kind)(a, b, rng, gga.GraphGAConfig()) for _ in range(30)) if c is not None]
    assert len(made) >= 10 and all(valid(c) for c in made)
    if kind == "_ring_crossover":  # y's Kekule pattern is kept, so rebuilt benzene rings stay aromatic
        assert max(rdMolDescriptors.CalcNumAromaticRings(c) for c in made) >= 2


def test_crossover_without_a_cut_returns_none():
    methane = Chem.MolFromSmiles("C")
    assert gga.crossover(methane, methane, random.Random(0)) is None


@pytest.mark.parametrize(
    "operation, heavy_delta",
    [
        ("insert_atom", 1),
        ("append_atom", 1),
        ("delete_atom", -1),
        ("change_atom", 0),
        ("change_bond_order", 0),
        ("delete_cyclic_bond", 0),
        ("add_ring", 0),
    ],
)
def test_each_mutation_yields_valid_molecules(operation, heavy_delta):
    parent = Chem.MolFromSmiles(CHAIN_AND_RING)
    children = [gga.mutate(parent, random.Random(seed), operation=operation) for seed in range(20)]
    made = [c for c in children if c is not None]
    assert len(made) >= 10, operation
    assert all(valid(c) for c in made)
    assert all(c.GetNumHeavyAtoms() == parent.GetNumHeavyAtoms() + heavy_delta for c in made)
    assert any(Chem.MolToSmiles(c) != Chem.MolToSmiles(parent) for c in made)
    if operation == "delete_cyclic_bond":
        assert all(ring_count(c) == ring_count(parent) - 1 for c in made)
    if operation == "add_ring":
        assert all(ring_count(c) == ring_count(parent) + 1 for c in made)


def test_mutation_draws_every_operation_and_rejects_unknown_names():
    parent = Chem.MolFromSmiles(CHAIN_AND_RING)
    made = [gga.mutate(parent, random.Random(seed)) for seed in range(40)]
    assert sum(m is not None for m in made) >= 35 and all(valid(m) for m in made if m is not None)
    assert abs(sum(p for _, p in gga.MUTATIONS) - 1.0) < 1e-9
    with pytest.raises(ValueError):
        gga.mutate(parent, random.Random(0), operation="teleport")


def test_children_are_valid_unique_canonical_and_new():
    known = KNOWN | {canonical("CC(=O)Oc1ccccc1")}
    before = rdBase.LogStatus()
    children = gga.graph_ga_children(MEASURED, 60, known, canonical, seed=3)
    assert rdBase.LogStatus() == before  # RDKit's log is silenced only while breeding
    assert len(children) == 60
    assert len(set(children)) == 60
    for smiles in children:
        assert Chem.MolFromSmiles(smiles) is not None
        assert smiles == canonical(smiles)
        assert canonical(smiles) not in known


def test_same_seed_same_children_other_seed_other_children():
    first = gga.graph_ga_children(MEASURED, 30, KNOWN, canonical, seed=7)
    assert gga.graph_ga_children(MEASURED, 30, KNOWN, canonical, seed=7) == first
    assert gga.graph_ga_children(MEASURED, 30, KNOWN, canonical, seed=8) != first


def test_children_respect_the_size_limits():
    cfg = gga.GraphGAConfig(min_heavy_atoms=15, max_heavy_atoms=22, mutation_rate=0.5)
    children = gga.graph_ga_children(MEASURED, 40, KNOWN, canonical, seed=0, cfg=cfg)
    assert len(children) >= 20
    assert all(15 <= Chem.MolFromSmiles(s).GetNumHeavyAtoms() <= 22 for s in children)


def test_mating_pool_prefers_high_scorers_and_handles_negative_and_equal_scores():
    rng = random.Random(0)
    population = [("best", 2.0), ("middle", 0.0), ("worst", -3.0)]
    draws = Counter(gga.mating_pool(population, 5000, rng))
    assert draws["best"] > draws["middle"] > draws["worst"] > 0
    equal = Counter(gga.mating_pool([("a", 0.5), ("b", 0.5)], 2000, rng))
    assert 800 < equal["a"] < 1200
    assert gga.mating_pool([], 10, rng) == []


def test_the_population_is_the_best_measured_and_parents_are_drawn_by_score():
    cfg = gga.GraphGAConfig(population=5)
    population, graphs, _ = gga._population(MEASURED, cfg.population)
    assert [s for s, _ in population] == [s for s, _ in sorted(MEASURED, key=lambda p: -p[1])[:5]]
    assert set(graphs) == {s for s, _ in population}


@pytest.mark.parametrize(
    "measured",
    [
        [("C", 1.0)],
        [(ASPIRIN, 0.3)],
        [("not a smiles", 1.0), ("CCO", float("nan"))],
        [],
        [("C", 0.1), ("CC", 0.2), ("O", 0.3)],
    ],
)
def test_tiny_or_weird_populations_return_a_short_list_without_crashing(measured):
    children = gga.graph_ga_children(measured, 10, set(), canonical, seed=0)
    assert len(children) <= 10
    assert all(Chem.MolFromSmiles(s) is not None for s in children)
    assert all(canonical(s) not in {canonical(m) for m, _ in measured if Chem.MolFromSmiles(m)} for s in children)


def test_a_stop_request_returns_what_it_has():
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 5

    children = gga.graph_ga_children(MEASURED, 50, KNOWN, canonical, seed=0, should_stop=stop)
    assert len(children) <= 5
    assert gga.graph_ga_children(MEASURED, 0, KNOWN, canonical, seed=0) == []
