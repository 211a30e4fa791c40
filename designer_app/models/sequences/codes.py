"""Letter codes of sequence items: a letter is coded by its index in the domain's alphabet (DNA: A=0, C=1,
G=2, T=3, the same base-4 code as the TF-binding landscape's index). Used by the sequence priors at run time
and by their trainers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def to_codes(seqs: Sequence[str], alphabet: str, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Sequences -> (codes (N, length) int64, ok (N,) bool). Rows with a wrong length or a letter
    outside the alphabet are zeros with ok = False."""
    lookup = np.full(256, -1, dtype=np.int64)
    for i, letter in enumerate(alphabet):
        lookup[ord(letter)] = i
    codes = np.zeros((len(seqs), length), dtype=np.int64)
    ok = np.zeros(len(seqs), dtype=bool)
    for n, seq in enumerate(seqs):
        if seq is None or len(seq) != length or not seq.isascii():
            continue
        row = lookup[np.frombuffer(seq.encode(), dtype=np.uint8)]
        if (row >= 0).all():
            codes[n], ok[n] = row, True
    return codes, ok


def from_codes(codes: np.ndarray, alphabet: str) -> list[str]:
    """codes (N, L) -> sequences."""
    letters = np.array(list(alphabet))
    return ["".join(row) for row in letters[np.asarray(codes)]]
