"""The DNA and protein domains: canonical items, feasibility, keys, registry wiring."""

import pytest

from designer_app.domains import get_domain
from designer_app.domains.sequences import DNA, PROTEIN, reverse_complement


def test_registry_returns_the_sequence_domains():
    assert get_domain("dna") is DNA and get_domain("protein") is PROTEIN
    assert DNA.name == "dna" and PROTEIN.name == "protein"
    assert DNA.default_prior == "dna-8mer" and PROTEIN.default_prior == "protein-ehrlich"
    assert set(DNA.export_formats) == set(PROTEIN.export_formats) == {"csv", "fasta"}
    assert DNA.pretrainer == "designer_app.pretraining.dna" and DNA.depiction == PROTEIN.depiction == "letters"
    assert DNA.alphabet == "ACGT" and PROTEIN.alphabet == "ACDEFGHIKLMNPQRSTVWY"


def test_canonical_item_strips_and_upper_cases():
    assert DNA.canonical_item("  acgT\n") == ("ACGT", "")
    assert DNA.canonical_item("ACG T\nAC") == ("ACGTAC", "")  # wrapped FASTA lines
    assert PROTEIN.canonical_item("mkvl") == ("MKVL", "")


@pytest.mark.parametrize(
    ("domain", "text", "letter", "position"),
    [
        (DNA, "ACGU", "U", 4),
        (DNA, "aNgt", "N", 2),
        (PROTEIN, "MKXL", "X", 3),
        (PROTEIN, "B", "B", 1),
    ],
)
def test_canonical_item_names_the_bad_letter_its_position_and_the_alphabet(domain, text, letter, position):
    item, error = domain.canonical_item(text)
    assert item is None
    assert f"'{letter}' at position {position}" in error and domain.alphabet in error


def test_empty_items_are_rejected():
    assert DNA.canonical_item("  ")[0] is None and "empty" in DNA.canonical_item("")[1]
    assert DNA.feasibility(None) == (False, "decoded to an empty dna sequence")
    assert PROTEIN.feasibility("")[0] is False


def test_feasibility_checks_letters_only():
    assert DNA.feasibility("ACGTACGT") == (True, "")
    ok, why = DNA.feasibility("ACGUN")
    assert not ok and "NU" in why and "ACGT" in why
    assert PROTEIN.feasibility("MKVLAAGG") == (True, "")
    assert PROTEIN.feasibility("MKBZ")[0] is False


def test_reverse_complement():
    assert reverse_complement("AACG") == "CGTT"
    assert reverse_complement(reverse_complement("AGGTATCA")) == "AGGTATCA"


def test_dna_key_joins_a_sequence_and_its_reverse_complement():
    seq = "AGGTATCA"
    assert DNA.key(seq) == DNA.key(reverse_complement(seq)) == min(seq, reverse_complement(seq))
    assert DNA.key("TTTTTTTT") == "AAAAAAAA"
    assert DNA.key("ACGTACGT") == "ACGTACGT"  # a palindrome is its own key
    assert DNA.key("AAAAAAAA") != DNA.key("AAAAAAAC")
    assert DNA.key(None) == ""


def test_protein_key_is_the_sequence():
    assert PROTEIN.key("MKVL") == "MKVL" and PROTEIN.key("LVKM") == "LVKM"
