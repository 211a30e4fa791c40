"""Training data for the molecule prior: MOSES SMILES -> SELFIES token ids + RDKit descriptors.

The MOSES training set (MIT licence) ships inside the `molsets` wheel as
`moses/dataset/data/train.csv.gz`. `molsets` pins old dependencies, so we read that file straight out of the
downloaded wheel (`pip download --no-deps molsets`) instead of installing the package. `read_smiles`
accepts the wheel itself, the extracted `.csv.gz`, or any CSV/TXT with one SMILES per line.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from designer_app.domains import chemistry
from designer_app.models.molecules.vocab import Vocab

MOSES_MEMBER = "moses/dataset/data/{split}.csv.gz"


def read_smiles(path: str | Path, split: str = "train") -> list[str]:
    """SMILES from a molsets wheel (`split` = train or test), a .csv.gz/.csv with a SMILES column, or .txt."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file {path} does not exist; pass the molsets wheel or a SMILES CSV")
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            raw = wheel.read(MOSES_MEMBER.format(split=split))
        text = gzip.decompress(raw).decode()
    elif path.name.endswith(".gz"):
        text = gzip.open(path, "rt").read()
    else:
        text = path.read_text()
    rows = list(csv.reader(io.StringIO(text)))
    if rows and rows[0] and rows[0][0].strip().lower() in {"smiles", "smi"}:
        rows = rows[1:]
    return [r[0].strip() for r in rows if r and r[0].strip()]


def _encode_one(smiles: str) -> str | None:
    return chemistry.smiles_to_selfies(smiles)


def _parallel_map(fn, items, processes: int):
    if processes <= 1 or len(items) < 2000:
        return [fn(x) for x in items]
    with get_context("fork").Pool(processes) as pool:
        return pool.map(fn, items, chunksize=500)


def _descriptors_chunk(smiles: list[str]) -> np.ndarray:
    return chemistry.descriptor_matrix(smiles)


@dataclass(frozen=True)
class MoleculeDataset:
    """Arrays cached to `data.npz` so that a resumed training run skips the slow RDKit work.

    Attributes:
        smiles: canonical SMILES (N,).
        ids: token ids with end token and padding (N, max_len + 1).
        props: raw descriptors (N, P); NaN rows where they were not computed.
    """

    smiles: np.ndarray
    ids: np.ndarray
    props: np.ndarray

    def save(self, path: Path) -> None:
        np.savez_compressed(path, smiles=self.smiles, ids=self.ids, props=self.props)

    @classmethod
    def load(cls, path: Path) -> MoleculeDataset:
        with np.load(path, allow_pickle=False) as data:
            return cls(smiles=data["smiles"], ids=data["ids"], props=data["props"])


def build_dataset(
    smiles: list[str], vocab: Vocab | None, max_len: int, n_with_props: int, processes: int = 2
) -> tuple[MoleculeDataset, Vocab]:
    """Encode SMILES to SELFIES ids; compute descriptors for the first `n_with_props` molecules only
    (RDKit is the slow part; the auxiliary heads need far fewer labels than the autoencoder needs text)."""
    selfies_list = _parallel_map(_encode_one, smiles, processes)
    pairs = [(s, sf) for s, sf in zip(smiles, selfies_list) if sf]
    if vocab is None:
        vocab = Vocab.build((sf for _, sf in pairs), max_len=max_len)
    ids, keep = vocab.encode_batch([sf for _, sf in pairs])
    kept_smiles = np.array([s for (s, _), k in zip(pairs, keep) if k])
    ids = ids[keep]
    props = np.full((len(kept_smiles), len(chemistry.DESCRIPTOR_NAMES)), np.nan, dtype=np.float32)
    n = min(n_with_props, len(kept_smiles))
    chunks = [list(kept_smiles[i : min(i + 2000, n)]) for i in range(0, n, 2000)]
    if processes > 1 and len(chunks) > 1:
        with get_context("fork").Pool(processes) as pool:
            parts = pool.map(_descriptors_chunk, chunks)
    else:
        parts = [_descriptors_chunk(c) for c in chunks]
    if parts:
        props[:n] = np.concatenate(parts)
    return MoleculeDataset(smiles=kept_smiles, ids=ids, props=props), vocab


def length_bucketed_batches(ids: np.ndarray, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of similar length, so each batch is cut to its own longest sequence (saves ~40 % GRU time)."""
    lengths = (ids != 0).sum(axis=1)
    order = rng.permutation(len(ids))
    batches = []
    for start in range(0, len(order), batch * 50):
        chunk = order[start : start + batch * 50]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch] for i in range(0, len(chunk), batch)]
    rng.shuffle(batches)
    return batches
