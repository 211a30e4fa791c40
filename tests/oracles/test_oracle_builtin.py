"""Built-in RDKit oracles: exact values against RDKit itself, the SA mapping, infeasible molecules."""

from __future__ import annotations

import pytest

from designer_app.core.protocols import FAILED, OK
from designer_app.domains.chemistry import canonical_smiles
from designer_app.oracles import BUILTIN_SCORES, BuiltinOracle, BuiltinScore, OracleSpecError, parse_oracle

MOLECULES = ["CCO", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C"]


def _rdkit_qed(smiles: str) -> float:
    from rdkit import Chem
    from rdkit.Chem import QED

    return QED.qed(Chem.MolFromSmiles(smiles))


def _rdkit_sa(smiles: str) -> float:
    from rdkit import Chem
    from rdkit.Contrib.SA_Score import sascorer

    return sascorer.calculateScore(Chem.MolFromSmiles(smiles))


def test_qed_matches_rdkit_exactly():
    items = [canonical_smiles(s) for s in MOLECULES]
    results = parse_oracle("qed").score(items)
    assert [r.status for r in results] == [OK] * len(items)
    assert [r.value for r in results] == [_rdkit_qed(s) for s in items]


def test_sa_is_mapped_so_higher_is_easier():
    items = [canonical_smiles(s) for s in MOLECULES]
    results = parse_oracle("sa").score(items)
    expected = [(10.0 - _rdkit_sa(s)) / 9.0 for s in items]
    assert [r.value for r in results] == pytest.approx(expected, abs=1e-12)
    assert all(0.0 <= r.value <= 1.0 for r in results)
    # Ethanol is easier to make than caffeine: a higher mapped score.
    assert results[0].value > results[3].value


def test_mpo_is_the_mean_of_its_parts():
    items = [canonical_smiles(s) for s in MOLECULES]
    qed = [r.value for r in parse_oracle("qed").score(items)]
    sa = [r.value for r in parse_oracle("sa").score(items)]
    mpo = parse_oracle("mpo:qed+sa").score(items)
    assert [r.value for r in mpo] == pytest.approx([(a + b) / 2 for a, b in zip(qed, sa)], abs=1e-12)
    # A repeated part weighs double.
    weighted = parse_oracle("mpo:qed+qed+sa").score(items[:1])
    assert weighted[0].value == pytest.approx((2 * qed[0] + sa[0]) / 3, abs=1e-12)


@pytest.mark.parametrize("spec", ["qed", "sa", "mpo:qed+sa"])
def test_invalid_smiles_is_infeasible_not_failed(spec):
    results = parse_oracle(spec).score(["C1CC", "not a molecule", "", "CCO"])
    for r in results[:3]:
        assert (r.value, r.status, r.note) == (None, OK, "invalid molecule")
    assert results[3].value is not None and results[3].status == OK


def test_optima_names_and_override():
    qed, sa, mpo = parse_oracle("qed"), parse_oracle(" sa "), parse_oracle("mpo:qed+sa")
    assert (qed.optimum, sa.optimum, mpo.optimum) == (0.948, 1.0, None)
    assert (qed.name, sa.name, mpo.name) == ("qed", "sa", "mpo:qed+sa")
    assert not qed.is_manual and not mpo.is_manual
    assert parse_oracle("mpo:qed+sa", optimum=0.9).optimum == 0.9
    assert parse_oracle("QED").score(["CCO"])[0].value == _rdkit_qed("CCO")


def test_builtins_are_molecule_only():
    with pytest.raises(OracleSpecError, match="scores molecules.*'images'"):
        parse_oracle("qed", domain="images")
    with pytest.raises(OracleSpecError, match="scores molecules"):
        parse_oracle("mpo:qed+sa", domain="proteins")


def test_rdkit_exception_becomes_a_failed_result(monkeypatch):
    def explode(smiles: str) -> float:
        raise RuntimeError("kekulization exploded")

    monkeypatch.setitem(BUILTIN_SCORES, "qed", BuiltinScore("qed", "test", 0.948, explode))
    result = BuiltinOracle(["qed"]).score(["CCO"])[0]
    assert result.status == FAILED and result.value is None
    assert "kekulization exploded" in result.note
