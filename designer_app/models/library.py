"""The `screen` baseline's library: reading it and drawing a round's random, new items from it.

A library is a text file of items, one per line (a CSV's first column; gzip allowed): by default the prior
folder's `library.txt.gz` (pretraining/library.py writes it from the prior's training data), or a file the
user names in `selection.library`. Screening is what a scientist does without a model: measure random
members of a library they have. It is the floor every method must beat at equal calls.
"""

from __future__ import annotations

import functools
import gzip
import random
from collections.abc import Callable
from pathlib import Path

LIBRARY_FILE = "library.txt.gz"
MAX_LIBRARY_BYTES = 500_000_000  # a 500 MB text file of items is a library nobody screens at random


class LibraryError(ValueError):
    """The library cannot be used; the message says what to change."""


def library_path(setting: str, prior_folder: Path | None, workdir: str | None) -> Path:
    """The file `selection.library` names (relative to the workdir), else the prior's own library."""
    if setting:
        path = Path(setting).expanduser()
        if not path.is_absolute() and workdir:
            path = Path(workdir) / path
        if not path.is_file():
            raise LibraryError(f"selection.library: {path} is not a file; give a text file of items, one per line")
        return path
    if prior_folder is not None and (Path(prior_folder) / LIBRARY_FILE).is_file():
        return Path(prior_folder) / LIBRARY_FILE
    raise LibraryError(
        f"the screen method needs a library, and the prior {prior_folder} ships none; give a text file of items "
        "(one per line) with --set selection.library=FILE"
    )


@functools.lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> tuple[str, ...]:
    if Path(path).stat().st_size > MAX_LIBRARY_BYTES:
        raise LibraryError(f"the library {path} is larger than {MAX_LIBRARY_BYTES // 1_000_000} MB; use a sample")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        lines = [line.split(",")[0].strip() for line in fh]
    items = tuple(line for line in lines if line and line.lower() not in {"smiles", "sequence", "item"})
    if not items:
        raise LibraryError(f"the library {path} holds no items; give one item per line")
    return items


def read_library(path: Path) -> tuple[str, ...]:
    """Every non-empty line's first field (a header word such as SMILES is skipped); cached per file version."""
    return _read(str(path), Path(path).stat().st_mtime)


def draw_from_library(
    items: tuple[str, ...],
    n: int,
    known_keys: set[str],
    seed: int,
    canonical: Callable[[str], str | None],
    key: Callable[[str], str],
) -> list[str]:
    """Up to `n` random library items in canonical form, none whose key is known or drawn before; lines that
    are not valid items are passed over. Deterministic for a seed."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    seen, out = set(known_keys), []
    for i in order:
        item = canonical(items[i])
        if not item or key(item) in seen:
            continue
        seen.add(key(item))
        out.append(item)
        if len(out) >= n:
            break
    return out
