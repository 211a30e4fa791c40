"""The `screen` baseline: reading a library, drawing new random items from it, and a screening campaign."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import TINY_SETTINGS

from designer_app.cli import main
from designer_app.models.library import LibraryError, draw_from_library, library_path, read_library
from designer_app.store import CampaignStore, campaign_dir


def test_a_library_file_is_read_by_its_first_column_without_the_header(tmp_path):
    plain = tmp_path / "lib.csv"
    plain.write_text("SMILES,name\nCCO,ethanol\n\nc1ccccc1,benzene\n")
    assert read_library(plain) == ("CCO", "c1ccccc1")
    packed = tmp_path / "lib.txt.gz"
    packed.write_bytes(gzip.compress(b"ACGT\nAAAA\n"))
    assert read_library(packed) == ("ACGT", "AAAA")
    empty = tmp_path / "empty.txt"
    empty.write_text("smiles\n\n")
    with pytest.raises(LibraryError, match="holds no items"):
        read_library(empty)


def test_the_library_setting_is_resolved_and_a_missing_one_says_what_to_do(tmp_path):
    (tmp_path / "mine.txt").write_text("CCO\n")
    assert library_path("mine.txt", None, str(tmp_path)) == tmp_path / "mine.txt"
    with pytest.raises(LibraryError, match="is not a file"):
        library_path("nope.txt", None, str(tmp_path))
    with pytest.raises(LibraryError, match="--set selection.library=FILE"):
        library_path("", tmp_path, None)  # a prior folder without library.txt.gz
    (tmp_path / "library.txt.gz").write_bytes(gzip.compress(b"CCO\n"))
    assert library_path("", tmp_path, None) == tmp_path / "library.txt.gz"


def test_draws_are_random_new_canonical_and_reproducible():
    items = tuple(f"item{i}" for i in range(50)) + ("bad", "ITEM3")
    canonical = {i: i.lower() for i in items}
    canonical["bad"] = None

    def draw(seed, known=frozenset()):
        return draw_from_library(items, 10, set(known), seed, canonical.get, str.lower)

    first = draw(1)
    assert len(first) == len(set(first)) == 10 and first == draw(1) and first != draw(2)
    assert "bad" not in first and all(x == x.lower() for x in first)
    known = {f"item{i}" for i in range(45)}
    rest = draw_from_library(items, 10, known, 0, canonical.get, str.lower)
    assert sorted(rest) == [f"item{i}" for i in range(45, 50)]  # only what is new, even if fewer than asked


def test_a_screening_campaign_measures_new_library_molecules_every_round(tmp_path, tiny_prior, capsys):
    library = [
        "CCO",
        "CCN",
        "CCC",
        "CCCl",
        "c1ccccc1",
        "c1ccncc1",
        "CC(=O)O",
        "CCOC",
        "CNC",
        "COC",
        "CC#N",
        "OCCO",
    ]
    (tmp_path / "library.smi").write_text("\n".join(library) + "\n")
    argv = ["--home", str(tmp_path), "new", "s", "--oracle", "qed", "--prior", str(tiny_prior), "--method", "screen"]
    argv += ["--rounds", "3", "--batch-size", "4", "--set", f"selection.library={tmp_path / 'library.smi'}"]
    assert main([*argv, *TINY_SETTINGS]) == 0 and main(["--home", str(tmp_path), "run", "s"]) == 0
    capsys.readouterr()
    assert main(["--home", str(tmp_path), "status", "s", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["state"] == "finished" and data["oracle_calls"] == 12
    measured = [c for c in CampaignStore.open(campaign_dir("s", tmp_path)).candidates() if c.measured_here]
    from designer_app.domains import chemistry

    assert sorted(c.item for c in measured) == sorted(chemistry.canonical_smiles(s) for s in library)
    assert not CampaignStore.open(campaign_dir("s", tmp_path)).checkpoints()  # screening fits and tunes nothing


def test_graph_ga_is_refused_for_sequences(tmp_path, tiny_prior, capsys):
    argv = ["--home", str(tmp_path), "new", "g", "--domain", "dna", "--oracle", "tfbind8:SIX6_REF_R1"]
    assert main([*argv, "--method", "graph-ga"]) != 0
    assert "graph-ga designs molecules only" in capsys.readouterr().err
