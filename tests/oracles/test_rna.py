"""`rna-mfe` and `rna-structure:<TARGET>`: hand-checked values, infeasible items, target validation,
designable presets, registration objects, and the lazy import of ViennaRNA."""

from __future__ import annotations

import subprocess
import sys

import pytest

from designer_app.core.protocols import FAILED, OK, Oracle
from designer_app.oracles import OracleKind, parse_oracle, rna
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.rna import (
    PRESETS,
    RNA_MFE,
    RNA_STRUCTURE,
    RnaMfeOracle,
    RnaStructureOracle,
    base_pairs,
    pair_f1,
    parse_target,
)
from designer_app.registry import ORACLES

RNA = pytest.importorskip("RNA")

# G1-C11, G2-C10, G3-C9, G4-C8 closing the loop AAA: four GC pairs, three stacks.
GC_HAIRPIN = "GGGGAAACCCC"
GC_HAIRPIN_FOLD = "((((...))))"
GC_HAIRPIN_MFE = -4.5  # RNA.fold(GC_HAIRPIN) with ViennaRNA 2.8.0 defaults (Turner 2004, 37 °C)

# One sequence per preset whose MFE structure is exactly the preset (found with RNA.inverse_fold from
# random starts; ViennaRNA 2.8.0 MFEs in the comments).
DESIGNED = {
    "hairpin32": "UCUCGUGUGCCGCUGCGAAGUGGUGCAUGAAA",  # -17.70 kcal/mol
    "double-hairpin32": "GCGGUUGUUCGGCUGGGUACUCGUGCGGGUAA",  # -5.90
    "multiloop32": "GCCUCGGAAUCUCUGUUGUGCUGCGCGCCGGU",  # -3.50
}


def build(kind: OracleKind, spec: str, domain: str = "rna") -> Oracle:
    """The oracle `spec` names, built the way campaigns build it: through the oracle registry, which finds
    `kind` by the spec's first word."""
    assert ORACLES.get(spec.partition(":")[0]) is kind
    return parse_oracle(spec, domain=domain)


# ------------------------------------------------------------------------------------------- rna-mfe


def test_mfe_of_a_sequence_that_cannot_pair_is_zero() -> None:
    assert RNA.fold("A" * 20) == ["." * 20, 0.0]
    [result] = RnaMfeOracle().score(["A" * 20])
    assert result.status == OK
    assert result.value == 0.0
    assert str(result.value) == "0.0"  # not -0.0 in exported tables


def test_mfe_of_a_gc_hairpin() -> None:
    structure, mfe = RNA.fold(GC_HAIRPIN)
    assert structure == GC_HAIRPIN_FOLD
    assert mfe == pytest.approx(GC_HAIRPIN_MFE, abs=1e-6)
    [result] = RnaMfeOracle().score([GC_HAIRPIN])
    assert result.value == 4.5 / 11
    assert GC_HAIRPIN_FOLD in result.note


def test_mfe_energies_are_exact_hundredths() -> None:
    # RNA.fold returns float32 energies; the oracle rounds them back to what ViennaRNA computed.
    hairpin = DESIGNED["hairpin32"]
    assert RNA.fold(hairpin)[1] != -17.7
    assert RnaMfeOracle().score([hairpin])[0].value == 17.7 / 32


def test_more_stable_scores_higher() -> None:
    weak, strong = RnaMfeOracle().score(["GCGCAAAAGCGC".replace("GC", "AU"), "GCGCAAAAGCGC"])
    assert strong.value > weak.value


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ("GGGGTTTCCCC", ["'T'", "U where DNA has T"]),
        ("ggggaaacccc", ["upper case"]),
        ("GGGGNAACCCC", ["'N'"]),
        ("", ["empty"]),
    ],
)
def test_mfe_infeasible_items(item: str, words: list[str]) -> None:
    [result] = RnaMfeOracle().score([item])
    assert result.value is None and result.status == OK
    assert result.note.startswith("infeasible")
    for word in words:
        assert word in result.note


def test_non_string_items_are_infeasible_not_errors() -> None:
    results = RnaMfeOracle().score([None, 12])  # type: ignore[list-item]
    assert [r.value for r in results] == [None, None]
    assert all(r.status == OK and "string" in r.note for r in results)


def test_a_vienna_exception_becomes_a_failed_result() -> None:
    class Broken:
        @staticmethod
        def fold(sequence: str) -> list:
            raise RuntimeError("segfault avoided")

    oracle = RnaMfeOracle()
    oracle._rna = Broken()  # type: ignore[assignment]
    [result] = oracle.score(["GGGGAAACCCC"])
    assert result.status == FAILED and result.value is None
    assert "RuntimeError: segfault avoided" in result.note


# ------------------------------------------------------------------------------------- pair_f1 by hand


def test_pair_f1_hand_counted() -> None:
    target = "((((....))))"  # pairs (0,11) (1,10) (2,9) (3,8)
    assert pair_f1(target, target) == 1.0
    # loses the outer pair: bp_distance 1, 4 + 3 pairs -> 1 - 1/7
    assert pair_f1(".(((....))).", target) == 1 - 1 / 7
    assert RNA.bp_distance(".(((....))).", target) == 1
    # nothing paired: distance 4 over 4 + 0 pairs
    assert pair_f1("............", target) == 0.0
    # the same stem shifted by two: no shared pair, distance 3 + 3 = 6 over 6
    assert pair_f1("..(((....)))", "(((....)))..") == 0.0
    assert RNA.bp_distance("..(((....)))", "(((....)))..") == 6
    # one extra pair inside the loop: distance 1 over 4 + 5 pairs
    assert pair_f1("(((((...)))))", "((((.....))))") == 1 - 1 / 9


def test_pair_f1_extra_pairs_cost_like_missing_ones() -> None:
    target = ".(((....))).."  # 3 pairs
    folded = "((((....))).)"  # 3 pairs of the target plus (0,12)
    assert base_pairs(folded) - base_pairs(target) == {(0, 12)}
    assert pair_f1(folded, target) == 1 - 1 / 7 == pytest.approx(2 * 3 / 7)


def test_structure_of_a_fold_equal_to_the_target_scores_one() -> None:
    [result] = RnaStructureOracle(GC_HAIRPIN_FOLD).score([GC_HAIRPIN])
    assert result.value == 1.0 and result.status == OK
    assert GC_HAIRPIN_FOLD in result.note


def test_structure_score_through_the_fold() -> None:
    # GGGGAAACCCC folds to ((((...)))); against (((.....))) it has the extra pair G4-C8:
    # bp_distance 1 over 3 + 4 pairs.
    [result] = RnaStructureOracle("(((.....)))").score([GC_HAIRPIN])
    assert result.value == 1 - 1 / 7
    [unpaired] = RnaStructureOracle(PRESETS["hairpin32"]).score(["A" * 32])
    assert unpaired.value == 0.0


def test_structure_wrong_length_is_infeasible() -> None:
    [result] = RnaStructureOracle("hairpin32").score([GC_HAIRPIN])
    assert result.value is None and result.status == OK
    assert "11 nucleotides" in result.note and "32" in result.note


def test_structure_bad_letters_are_infeasible() -> None:
    results = RnaStructureOracle(GC_HAIRPIN_FOLD).score(["GGGGTTTCCCC", ""])
    assert [r.value for r in results] == [None, None]
    assert "'T'" in results[0].note and "empty" in results[1].note


# ------------------------------------------------------------------------------------------- targets


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("((...)", ["position 1", "never closed"]),
        ("(...))", ["position 6", "closes no"]),
        ("((..))", ["positions 2 and 5", "2 unpaired", "at least 3"]),
        ("((...x))", ["'x'", "position 6"]),
        ("((...]]", ["']'", "position 6"]),
        ("..........", ["no base pair"]),
    ],
)
def test_bad_targets_are_refused_with_the_position(target: str, words: list[str]) -> None:
    with pytest.raises(OracleSpecError) as info:
        parse_target(target)
    for word in words:
        assert word in str(info.value)
    assert "hairpin32" in str(info.value)  # says what to write instead


def test_presets_are_valid_length_32_and_case_insensitive() -> None:
    assert len(PRESETS) >= 2
    for name, target in PRESETS.items():
        assert len(target) == 32
        assert parse_target(name) == target
        assert parse_target(name.upper()) == target
        assert base_pairs(target)


@pytest.mark.parametrize("name", sorted(DESIGNED))
def test_presets_are_designable(name: str) -> None:
    sequence = DESIGNED[name]
    assert RNA.fold(sequence)[0] == PRESETS[name]
    oracle = build(RNA_STRUCTURE, f"rna-structure:{name}")
    [result] = oracle.score([sequence])
    assert result.value == 1.0 == oracle.optimum


# --------------------------------------------------------------------------------------- registration


def test_kinds_are_registered_like_plug_ins() -> None:
    assert ORACLES.registrations()["rna-mfe"].target == "designer_app.oracles.rna:RNA_MFE"
    assert ORACLES.get("rna-structure") is RNA_STRUCTURE and ORACLES.registrations()["rna-structure"].builtin
    assert (RNA_MFE.name, RNA_STRUCTURE.name) == ("rna-mfe", "rna-structure")
    for kind in (RNA_MFE, RNA_STRUCTURE):
        assert kind.domains == ("rna",)
        assert kind.forms and all(isinstance(f, str) and isinstance(d, str) for f, d in kind.forms)
    assert RNA_STRUCTURE.forms[0][0] == "rna-structure:<TARGET>"
    assert all(name in RNA_STRUCTURE.forms[0][1] for name in PRESETS)


def test_build_gives_oracles_named_after_the_spec() -> None:
    mfe = build(RNA_MFE, "rna-mfe")
    assert isinstance(mfe, Oracle) and mfe.name == "rna-mfe" and mfe.optimum is None
    assert not mfe.is_manual
    spec = "rna-structure:((((((....))))))........"
    structure = build(RNA_STRUCTURE, spec)
    assert isinstance(structure, RnaStructureOracle)
    assert structure.name == spec and structure.target == "((((((....))))))........"
    assert structure.optimum == 1.0


@pytest.mark.parametrize(("kind", "spec"), [(RNA_MFE, "rna-mfe"), (RNA_STRUCTURE, "rna-structure:hairpin32")])
def test_build_refuses_other_domains(kind: OracleKind, spec: str) -> None:
    with pytest.raises(OracleSpecError, match="use --domain rna"):
        build(kind, spec, domain="dna")
    assert build(kind, spec, domain=" RNA ").name == spec


@pytest.mark.parametrize(
    ("kind", "spec", "words"),
    [
        (RNA_MFE, "rna-mfe:hairpin32", "takes nothing after"),
        (RNA_STRUCTURE, "rna-structure", "must name a target"),
        (RNA_STRUCTURE, "rna-structure:  ", "must name a target"),
        (RNA_STRUCTURE, "rna-structure:((..))", "positions 2 and 5"),
    ],
)
def test_build_refuses_malformed_specs(kind: OracleKind, spec: str, words: str) -> None:
    with pytest.raises(OracleSpecError, match=words):
        build(kind, spec)


def test_missing_vienna_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "RNA", None)  # makes `import RNA` raise ImportError
    for kind, spec in ((RNA_MFE, "rna-mfe"), (RNA_STRUCTURE, "rna-structure:hairpin32")):
        with pytest.raises(OracleSpecError, match="pip install viennarna"):
            build(kind, spec)


def test_importing_the_module_does_not_import_vienna() -> None:
    code = "import sys, designer_app.oracles.rna; print('RNA' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert rna.__name__ == "designer_app.oracles.rna"
