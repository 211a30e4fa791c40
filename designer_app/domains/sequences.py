"""The sequence domains: DNA (ACGT) and protein (the 20 standard amino acids).

Items are upper-case strings over the domain's alphabet. A sequence is feasible for the loop when it
is non-empty and uses only the alphabet; constraints of a particular oracle (the banned transitions of
an Ehrlich function, a fixed length) are judged by that oracle, which returns None for infeasible items.

Keys decide which items are the same design (the loop never measures a key twice). For DNA a
sequence and its reverse complement are one double-stranded molecule, so a transcription factor binds
both equally: the key is the lexicographically smaller of the two strands. A protein's key is itself.
"""

from __future__ import annotations

from dataclasses import dataclass

_COMPLEMENT = str.maketrans("ACGT", "TGCA")


def reverse_complement(seq: str) -> str:
    """ACGT string -> its reverse complement ("AACG" -> "CGTT")."""
    return seq.translate(_COMPLEMENT)[::-1]


@dataclass(frozen=True)
class SequenceDomain:
    """A sequence domain as the loop, the importers and the baselines see it.

    Attributes:
        name: domain name ("dna", "protein").
        alphabet: the allowed letters, in the order of the one-hot encoding.
        default_prior: name of the shipped prior (resources/models/<name>/).
        double_stranded: whether a sequence and its reverse complement are the same design (DNA).
        export_formats: file formats `designer-app export` offers for this domain.
    """

    name: str
    alphabet: str
    default_prior: str
    double_stranded: bool = False
    export_formats: tuple[str, ...] = ("csv", "fasta")

    # The module-level names every domain offers (see designer_app.domains).
    @property
    def NAME(self) -> str:  # noqa: N802 - the domain interface uses module-style constant names
        return self.name

    @property
    def DEFAULT_PRIOR(self) -> str:  # noqa: N802
        return self.default_prior

    @property
    def EXPORT_FORMATS(self) -> tuple[str, ...]:  # noqa: N802
        return self.export_formats

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


DNA = SequenceDomain(name="dna", alphabet="ACGT", default_prior="dna-8mer", double_stranded=True)
PROTEIN = SequenceDomain(name="protein", alphabet="ACDEFGHIKLMNPQRSTVWY", default_prior="protein-ehrlich")
