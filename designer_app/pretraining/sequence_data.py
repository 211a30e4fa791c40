"""Data of the sequence priors: letter codes, cheap sequence properties, and the two training sets.

- dna: every 8-mer has a normalised TF-binding score in the shipped landscapes
  (designer_app.oracles.tfbind); the prior learns the 8-mers whose SIX6_REF_R1 score is below the
  median, so that strong binders are rare under it.
- protein: sequences drawn from the DMP (the feasible distribution) of the default Ehrlich function
  (designer_app.oracles.ehrlich, our implementation of Stanton et al. 2024).

Letters are coded by their index in the domain's alphabet (DNA: A=0, C=1, G=2, T=3, the same base-4
code as the TF-binding landscape's index).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from designer_app.models.sequences.codes import to_codes


def property_names(alphabet: str, kmers: tuple[int, ...], gc: bool) -> list[str]:
    names = ["".join(w) for k in kmers for w in itertools.product(alphabet, repeat=k)]
    return [f"kmer_{w}" for w in names] + (["gc"] if gc else [])


def kmer_composition(codes: np.ndarray, vocab_size: int, k: int) -> np.ndarray:
    """(N, L) codes -> (N, V**k) fraction of the L-k+1 windows holding each k-mer (base-V order)."""
    n, length = codes.shape
    windows = length - k + 1
    idx = np.zeros((n, windows), dtype=np.int64)
    for j in range(k):
        idx = idx * vocab_size + codes[:, j : j + windows]
    out = np.zeros((n, vocab_size**k), dtype=np.float32)
    np.add.at(out, (np.repeat(np.arange(n), windows), idx.ravel()), 1.0)
    return out / windows


def sequence_properties(
    codes: np.ndarray, vocab_size: int, kmers: tuple[int, ...], gc: bool, both_strands: bool = False
) -> np.ndarray:
    """Cheap properties the auxiliary head learns: (N, P) float32, P = sum(V**k) (+ 1 with `gc`).

    For each k in `kmers`, the k-mer composition (k = 1: letters, k = 2: adjacent pairs, ...). With
    `both_strands` (DNA) it is averaged over the sequence and its reverse complement (letter code
    3 - c, reversed), so the properties - and the features learned from them - are the same for both
    strands, as a transcription factor sees them. `gc` adds the GC fraction (DNA letters 1 and 2).
    """
    codes = np.asarray(codes)
    parts = []
    for k in kmers:
        comp = kmer_composition(codes, vocab_size, k)
        if both_strands:
            comp = 0.5 * (comp + kmer_composition((vocab_size - 1 - codes)[:, ::-1], vocab_size, k))
        parts.append(comp)
    if gc:
        parts.append(((codes == 1) | (codes == 2)).mean(axis=1, keepdims=True).astype(np.float32))
    return np.concatenate(parts, axis=1)


@dataclass
class SequenceDataset:
    """Everything a sequence prior trains on.

    Attributes:
        codes: (N, L) letter codes the autoencoder learns to reconstruct.
        prior_mask: (N,) True for the sequences the diffusion model learns (the prior's distribution).
        heldout: (M, L) codes never trained on, for the card's reconstruction accuracy.
        values: (N,) oracle values of `codes` where known (dna: the SIX6 landscape; protein: NaN).
    """

    codes: np.ndarray
    prior_mask: np.ndarray
    heldout: np.ndarray
    values: np.ndarray

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path, codes=self.codes, prior_mask=self.prior_mask, heldout=self.heldout, values=self.values
        )

    @classmethod
    def load(cls, path: Path) -> SequenceDataset:
        with np.load(path) as f:
            return cls(f["codes"], f["prior_mask"], f["heldout"], f["values"])


def all_kmers(length: int, vocab_size: int) -> np.ndarray:
    """Every sequence of `length` letters in base-V order: (V**length, length); row i has code i."""
    idx = np.arange(vocab_size**length)
    powers = vocab_size ** np.arange(length - 1, -1, -1)
    return (idx[:, None] // powers[None, :]) % vocab_size


def dna_dataset(tf: str, heldout_fraction: float, seed: int) -> SequenceDataset:
    """All 4^8 8-mers for the autoencoder (the space is finite and enumerable, so the autoencoder
    needs no labels to cover it); the diffusion model's set is those below the median score of `tf`.
    A random `heldout_fraction` of the 8-mers is kept out of autoencoder training to measure
    reconstruction of unseen sequences (it is still excluded from the diffusion set)."""
    from designer_app.oracles.tfbind import load_landscape

    values = np.asarray(load_landscape(tf), dtype=np.float64)
    codes = all_kmers(8, 4)
    if len(values) != len(codes):
        raise ValueError(f"the {tf} landscape has {len(values)} values, expected {len(codes)} (all 8-mers)")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(codes))
    n_held = int(len(codes) * heldout_fraction)
    held, train = perm[:n_held], np.sort(perm[n_held:])
    below = values[train] < np.median(values)
    return SequenceDataset(codes[train], below, codes[held], values[train])


def protein_dataset(n_train: int, n_heldout: int, seed: int) -> SequenceDataset:
    """Sequences drawn from the DMP of the default Ehrlich function; all of them form the prior."""
    from designer_app.oracles.ehrlich import EhrlichFunction, EhrlichSpec

    fn = EhrlichFunction(EhrlichSpec())
    rng = np.random.default_rng(seed)
    seqs = fn.sample_feasible(n_train + n_heldout, rng)
    alphabet = PROTEIN_ALPHABET
    codes, ok = to_codes(seqs, alphabet, fn.spec.dim)
    if not ok.all():
        raise ValueError("the Ehrlich DMP produced sequences outside the protein alphabet")
    return SequenceDataset(codes[:n_train], np.ones(n_train, dtype=bool), codes[n_train:], np.full(n_train, np.nan))


PROTEIN_ALPHABET = "ACDEFGHIKLMNPQRSTVWY"
DNA_ALPHABET = "ACGT"
