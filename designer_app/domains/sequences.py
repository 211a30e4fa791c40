"""Sequence domains: their shared behaviour (SequenceDomain) and the DNA (ACGT) and protein (the 20 standard
amino acids) domains. Another sequence domain is one SequenceDomain in a module of its own (domains/rna.py).

Items are upper-case strings over the domain's alphabet. A sequence is feasible for the loop when it
is non-empty and uses only the alphabet; constraints of a particular oracle (the banned transitions of
an Ehrlich function, a fixed length) are judged by that oracle, which returns None for infeasible items.

Keys decide which items are the same design (the loop never measures a key twice). For DNA a
sequence and its reverse complement are one double-stranded molecule, so a transcription factor binds
both equally: the key is the lexicographically smaller of the two strands. A protein's key is itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from designer_app.domains.base import LETTERS, Domain

_COMPLEMENT = str.maketrans("ACGT", "TGCA")


def reverse_complement(seq: str) -> str:
    """ACGT string -> its reverse complement ("AACG" -> "CGTT")."""
    return seq.translate(_COMPLEMENT)[::-1]


@dataclass(frozen=True)
class SequenceDomain(Domain):
    """A sequence domain as the loop, the importers and the baselines see it (fields of Domain, plus).

    Attributes:
        double_stranded: whether a sequence and its reverse complement are the same design (DNA).
    """

    double_stranded: bool = False

    def canonical_item(self, text: str) -> tuple[str | None, str]:
        """(upper-case sequence without surrounding or inner whitespace, "") or (None, what is wrong).

        Inner whitespace is dropped because FASTA files and spreadsheets wrap long sequences.
        """
        seq = "".join((text or "").split()).upper()
        if not seq:
            return None, f"empty {self.name} sequence"
        for position, letter in enumerate(seq, start=1):
            if letter not in self.alphabet:
                return None, (
                    f"'{letter}' at position {position} of {seq[:40]}{'...' if len(seq) > 40 else ''} is not a "
                    f"{self.name} letter; use only {self.alphabet}"
                )
        return seq, ""

    def feasibility(self, item: str | None) -> tuple[bool, str]:
        """Whether a decoded item may be sent to the oracle, and why not."""
        if not item:
            return False, f"decoded to an empty {self.name} sequence"
        bad = sorted({letter for letter in item if letter not in self.alphabet})
        if bad:
            return False, f"letters {''.join(bad)} are not in the {self.name} alphabet {self.alphabet}"
        return True, ""

    def key(self, item: str | None) -> str:
        """Equal keys = the same design."""
        if not item:
            return ""
        if self.double_stranded:
            return min(item, reverse_complement(item))
        return item

    def item_features(self, items: Sequence[str]) -> np.ndarray:
        """Per-position one-hot letters followed by counts of gapped letter pairs (see sequence_features), of
        the key's strand for DNA, so that a sequence and its reverse complement (one design) look the same."""
        return sequence_features([self.key(s) for s in items], self.alphabet)


# Gaps of the letter-pair counts: a pair (a, b, d) counts "letter a, then letter b d positions later". Why:
# binding sites and the spaced motifs of an Ehrlich function are such pairs anywhere in the sequence, which
# per-position letters alone describe only position by position.
PAIR_GAPS = (1, 2, 3, 4)


def sequence_features(items: Sequence[str], alphabet: str, gaps: Sequence[int] = PAIR_GAPS) -> np.ndarray:
    """(N, L * V + V * V * len(gaps)) float32: one-hot letters of every position up to the longest item's
    length L (shorter items are zero beyond their end), then the gapped-pair counts. Letters outside the
    alphabet are left out."""
    index = {letter: i for i, letter in enumerate(alphabet)}
    v = len(alphabet)
    length = max((len(s) for s in items), default=0)
    onehot = np.zeros((len(items), length, v), dtype=np.float32)  # (N, L, V)
    pairs = np.zeros((len(items), len(gaps), v, v), dtype=np.float32)  # (N, G, V, V)
    for n, seq in enumerate(items):
        codes = np.array([index.get(letter, -1) for letter in seq], dtype=np.int64)
        ok = codes >= 0
        onehot[n, np.nonzero(ok)[0], codes[ok]] = 1.0
        for g, gap in enumerate(gaps):
            a, b = codes[:-gap], codes[gap:]
            both = (a >= 0) & (b >= 0)
            np.add.at(pairs[n, g], (a[both], b[both]), 1.0)
    return np.concatenate([onehot.reshape(len(items), -1), pairs.reshape(len(items), -1)], axis=1)


NUCLEOTIDE_COLOURS = {"A": "#2ca02c", "C": "#1f77b4", "G": "#ff8c00", "T": "#d62728", "U": "#d62728"}
# ClustalX classes: hydrophobic blue, positive red, negative magenta, polar green, cysteine pink,
# glycine orange, proline yellow, aromatic H/Y cyan.
_CLUSTAL = {
    "AILMFWV": "#80a0f0",
    "KR": "#f01505",
    "DE": "#c048c0",
    "NQST": "#15c015",
    "C": "#f08080",
    "G": "#f09048",
    "P": "#c0c000",
    "HY": "#15a4a4",
}
RESIDUE_COLOURS = {letter: colour for letters, colour in _CLUSTAL.items() for letter in letters}

DNA = SequenceDomain(
    name="dna",
    description="DNA sequences (letters ACGT)",
    default_prior="dna-8mer",
    export_formats=("csv", "fasta"),
    import_formats=("csv", "fasta"),
    depiction=LETTERS,
    pretrainer="designer_app.pretraining.dna",
    item_label="sequence",
    alphabet="ACGT",
    letter_colours=NUCLEOTIDE_COLOURS,
    double_stranded=True,
    order=20,
)
PROTEIN = SequenceDomain(
    name="protein",
    description="protein sequences (the 20 amino-acid letters)",
    default_prior="protein-ehrlich",
    export_formats=("csv", "fasta"),
    import_formats=("csv", "fasta"),
    depiction=LETTERS,
    pretrainer="designer_app.pretraining.protein",
    item_label="sequence",
    alphabet="ACDEFGHIKLMNPQRSTVWY",
    letter_colours=RESIDUE_COLOURS,
    order=30,
)
