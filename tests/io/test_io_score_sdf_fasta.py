"""read_scores on SDF (files built with RDKit here) and FASTA files: good records, the score property
rules, broken records with their record numbers, and valid_only mode."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from designer_app.io import ScoreFileError, ScoreRow, read_scores


def _sdf_text(records: list[tuple[str, dict[str, str]]]) -> str:
    """An SDF written by RDKit's own SDWriter, so the tests read what chemistry software writes."""
    from rdkit import Chem

    buffer = io.StringIO()
    writer = Chem.SDWriter(buffer)
    for smiles, props in records:
        mol = Chem.MolFromSmiles(smiles)
        for key, value in props.items():
            mol.SetProp(key, value)
        writer.write(mol)
    writer.close()
    return buffer.getvalue()


def _write(folder: Path, text: str, name: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path, **kwargs) -> ScoreFileError:
    with pytest.raises(ScoreFileError) as info:
        read_scores(path, **kwargs)
    return info.value


# A mol block RDKit parses but cannot sanitise: carbon with five bonds.
_PENTAVALENT = """bad
     RDKit          2D

  6  5  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0
    1.0000    0.0000    0.0000 C   0  0
   -1.0000    0.0000    0.0000 C   0  0
    0.0000    1.0000    0.0000 C   0  0
    0.0000   -1.0000    0.0000 C   0  0
    1.0000    1.0000    0.0000 C   0  0
  1  2  1  0
  1  3  1  0
  1  4  1  0
  1  5  1  0
  1  6  1  0
M  END
> <score>
1.0

$$$$
"""


def test_sdf_good_records(tmp_path: Path) -> None:
    text = _sdf_text(
        [
            ("OCC", {"id": "3", "score": "0.5", "note": "rep 1"}),
            ("c1ccccc1", {"ID": "4", "Score": "", "Status": "failed"}),
            ("CC(=O)O", {"score": "-2"}),
        ]
    )
    rows = read_scores(_write(tmp_path, text, "hits.sdf")).rows
    assert rows == [
        ScoreRow(line=1, candidate_id=3, item="CCO", value=0.5, status="ok", note="rep 1"),
        ScoreRow(line=2, candidate_id=4, item="c1ccccc1", value=None, status="failed", note=""),
        ScoreRow(line=3, candidate_id=None, item="CC(=O)O", value=-2.0, status="ok", note=""),
    ]


def test_sdf_uses_the_only_numeric_property_when_score_is_missing(tmp_path: Path) -> None:
    text = _sdf_text([("CCO", {"IC50_uM": "12.5", "vendor": "acme", "id": "9"})])
    row = read_scores(_write(tmp_path, text, "a.sdf")).rows[0]
    assert (row.candidate_id, row.value) == (9, 12.5)  # the id is never mistaken for the score


def test_sdf_with_two_numeric_properties_and_no_score_is_an_error(tmp_path: Path) -> None:
    text = _sdf_text([("CCO", {"IC50": "1", "pIC50": "6"})])
    err = _error(_write(tmp_path, text, "a.sdf"))
    assert "a.sdf, record 1 (line 1)" in str(err)
    assert "IC50, pIC50" in str(err) and "name the measured property 'score'" in str(err)


def test_sdf_property_errors_name_record_and_property(tmp_path: Path) -> None:
    text = _sdf_text([("CCO", {"score": "1"}), ("CCC", {"score": "high"})])
    err = _error(_write(tmp_path, text, "a.sdf"))
    assert err.line == 2 and err.column == "score"
    assert "record 2 (line " in str(err) and "property score: 'high' is not a number" in str(err)


def test_sdf_duplicate_molecule_names_both_records(tmp_path: Path) -> None:
    text = _sdf_text([("OCC", {"score": "1"}), ("CCC", {"score": "2"}), ("CCO", {"score": "3"})])
    err = _error(_write(tmp_path, text, "a.sdf"))
    assert err.line == 3 and "already appears on record 1" in str(err)


def test_sdf_broken_records_raise_with_record_number(tmp_path: Path) -> None:
    good = _sdf_text([("CCO", {"score": "1"})])
    for broken in (_PENTAVALENT, "no mol block here\n> <score>\n1\n\n$$$$\n"):
        err = _error(_write(tmp_path, good + broken, "b.sdf"))
        assert err.line == 2 and "b.sdf, record 2 (line " in str(err)
        assert "delete this record" in str(err)


def test_sdf_broken_record_skipped_in_valid_only_mode(tmp_path: Path) -> None:
    text = _sdf_text([("CCO", {"score": "1"})]) + _PENTAVALENT + _sdf_text([("CCN", {"score": "2"})])
    result = read_scores(_write(tmp_path, text, "b.sdf"), valid_only=True)
    assert [(r.line, r.item) for r in result.rows] == [(1, "CCO"), (3, "CCN")]
    assert [line for line, _ in result.rejected] == [2]
    assert "RDKit cannot read this molecule" in result.rejected[0][1]


def test_empty_sdf(tmp_path: Path) -> None:
    assert "is empty" in str(_error(_write(tmp_path, "\n\n$$$$\n", "e.sdf")))


def test_fasta_good_records(tmp_path: Path) -> None:
    text = (
        ">id=12 score=0.7\nMKV\nlat\n"
        '>seqname score=0.7 status=failed note="no expression"\nACDE\n'
        ">other value=1.5 round=2 std=0.1\nWYF\n"
    )
    rows = read_scores(_write(tmp_path, text, "s.fasta"), domain="protein").rows
    assert rows[0] == ScoreRow(line=1, candidate_id=12, item="MKVLAT", value=0.7, status="ok", note="")
    assert (rows[1].status, rows[1].value, rows[1].item) == ("failed", None, "ACDE")
    assert rows[1].note.startswith("no expression")
    assert (rows[2].value, rows[2].candidate_id) == (1.5, None)


def test_fasta_pending_record_without_score(tmp_path: Path) -> None:
    rows = read_scores(_write(tmp_path, ">id=1 status=pending\nACGT\n", "s.fa"), domain="dna").rows
    assert (rows[0].status, rows[0].value) == ("pending", None)


@pytest.mark.parametrize(
    "text, expected",
    [
        (">id=1 score=1\nACD*\n", ["record 1 (line 1)", "'*'", "not letters A-Z", "remove them"]),
        (">id=1 score=1\nAC\n>id=2 score=2\nAC-GT\n", ["record 2 (line 3)", "'-'"]),
        (">id=1 score=1\n", ["record 1", "no sequence"]),
        ("ACGT\n>id=1 score=1\nACGT\n", ["line 1", "before the first '>' header"]),
        ("", ["has no records", ">id=12 score=0.7"]),
        (">id=1 score=abc\nAC\n", ["record 1 (line 1), header field score: 'abc' is not a number"]),
        (">id=1\nAC\n", ["header field score: the score is empty"]),
        (">id=x1 score=1\nAC\n", ["header field id: 'x1' is not a whole number"]),
        (">id=1 score=1 score=2\nAC\n", ["header field score: is given twice"]),
        (">id=1 score=1\nAC\n>id=1 score=2\nGT\n", ["record 2", "id 1 already appears on record 1"]),
    ],
)
def test_fasta_errors(tmp_path: Path, text: str, expected: list[str]) -> None:
    message = str(_error(_write(tmp_path, text, "s.fasta")))
    assert message.startswith("s.fasta")
    for part in expected:
        assert part in message, (part, message)


def test_fasta_dna_domain_checks_the_alphabet(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, ">id=1 score=1\nACGU\n", "s.fasta"), domain="dna")
    assert "'U'" in str(err) and "A, C, G, T" in str(err) and "N" not in str(err).split("use only")[1] and err.line == 1


def test_fasta_valid_only(tmp_path: Path) -> None:
    text = ">id=1 score=1\nAC\n>id=2 score=2\nA1C\n>id=3 score=3\nGT\n"
    result = read_scores(_write(tmp_path, text, "s.fasta"), valid_only=True)
    assert [r.candidate_id for r in result.rows] == [1, 3]
    assert result.rejected[0][0] == 2 and "'1'" in result.rejected[0][1]
