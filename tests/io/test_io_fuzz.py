"""Whatever a user picks in the file dialog, read_scores answers with rows or a ScoreFileError, never
with a crash: random bytes, random text built from the characters that matter to the parsers, and
damaged mol blocks fed to RDKit."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer_app.io import ScoreFile, ScoreFileError, read_scores

SUFFIXES = [".csv", ".tsv", ".txt", ".sdf", ".fasta"]
# Tokens that steer the parsers into their deeper branches (headers, quotes, statuses, records).
TOKENS = [
    "id",
    "smiles",
    "score",
    "status",
    "note",
    "ok",
    "failed",
    "pending",
    "CCO",
    "C1CC",
    "0.5",
    "nan",
    "1e999",
    ",",
    ";",
    "\t",
    "\n",
    "\r\n",
    '"',
    ">",
    "=",
    "$$$$",
    "M  END",
    "> <score>",
    " ",
    "\ufeff",
    "ACGT",
    "é",
]
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _read(path: Path, data: bytes, valid_only: bool) -> None:
    path.write_bytes(data)
    try:
        result = read_scores(path, valid_only=valid_only)
    except ScoreFileError as err:
        assert str(err).startswith(path.name)  # every error names the file
    else:
        assert isinstance(result, ScoreFile)


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUFFIXES), valid_only=st.booleans())
def test_random_bytes_only_raise_score_file_error(tmp_path: Path, data: bytes, suffix: str, valid_only: bool) -> None:
    _read(tmp_path / f"fuzz{suffix}", data, valid_only)


@FUZZ
@given(
    parts=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=5)), max_size=60),
    suffix=st.sampled_from(SUFFIXES),
    valid_only=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_random_structured_text_only_raises_score_file_error(
    tmp_path: Path, parts: list[str], suffix: str, valid_only: bool, encoding: str
) -> None:
    _read(tmp_path / f"fuzz{suffix}", "".join(parts).encode(encoding, errors="replace"), valid_only)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=600), junk=st.text(max_size=8), valid_only=st.booleans())
def test_damaged_mol_blocks_only_raise_score_file_error(tmp_path: Path, cut: int, junk: str, valid_only: bool) -> None:
    from rdkit import Chem

    block = Chem.MolToMolBlock(Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1"))
    record = block + "> <score>\n1.5\n\n$$$$\n"
    cut = min(cut, len(record))
    damaged = record[:cut] + junk + record[cut + len(junk) :]  # overwrite a few characters in place
    _read(tmp_path / "fuzz.sdf", damaged.encode("utf-8"), valid_only)
