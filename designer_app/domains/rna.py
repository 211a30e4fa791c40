"""The RNA domain: sequences over A, C, G, U (upper case), single-stranded, so a sequence is its own key.

Everything else - canonical form, feasibility, FASTA import and export, the letter depiction - is the shared
sequence behaviour (domains/sequences.py). The built-in oracles are ViennaRNA's (oracles/rna.py), the prior is
`rna-32mer` (pretraining/rna.py).
"""

from __future__ import annotations

from designer_app.domains.base import LETTERS
from designer_app.domains.sequences import NUCLEOTIDE_COLOURS, SequenceDomain

RNA = SequenceDomain(
    name="rna",
    description="RNA sequences (letters ACGU), folded by ViennaRNA",
    default_prior="rna-32mer",
    export_formats=("csv", "fasta"),
    import_formats=("csv", "fasta"),
    depiction=LETTERS,
    pretrainer="designer_app.pretraining.rna",
    item_label="sequence",
    alphabet="ACGU",
    letter_colours=NUCLEOTIDE_COLOURS,
    order=40,
)
