"""The checks that keep campaign files safe: paths stay inside the campaign folder, weights are safetensors
(never pickle)."""

from __future__ import annotations

import json
from pathlib import Path

# What a campaign folder may load weights from. Pickle-based formats (.pt, .pth, .bin, .ckpt, .pkl)
# run code when loaded, so a campaign folder received from someone else could execute anything.
WEIGHT_SUFFIXES = (".safetensors",)
PICKLE_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle", ".joblib", ".npy", ".npz")


class UnsafePathError(ValueError):
    """A path named by a campaign file or an import would leave the campaign folder, or names a file
    type that is never loaded; the message says which and why."""


def inside(folder: str | Path, path: str | Path) -> Path:
    """`path` (relative to `folder`, or absolute) resolved, after checking it lies inside `folder`.

    Symlinks are resolved first, so `checkpoints/x -> ../../elsewhere` is refused too.
    """
    root = Path(folder).resolve()
    target = (root / path).resolve()
    if target != root and root not in target.parents:
        raise UnsafePathError(f"{path} points outside the campaign folder {root}; refusing to use it")
    return target


def check_weights_file(path: str | Path) -> Path:
    """`path` if it is a safetensors file; UnsafePathError for anything else (pickles above all)."""
    path = Path(path)
    if path.suffix.lower() not in WEIGHT_SUFFIXES:
        kind = (
            "a pickle-based file, which can run code when loaded"
            if path.suffix.lower() in PICKLE_SUFFIXES
            else "not a safetensors file"
        )
        raise UnsafePathError(f"{path.name} is {kind}; Designer only loads weights from .safetensors files")
    return path


def check_safetensors_content(path: str | Path) -> Path:
    """`path` if its bytes are laid out as safetensors (an 8-byte little-endian header length, then a
    JSON object); UnsafePathError otherwise. Catches a pickle renamed to .safetensors before any loader
    sees it, so the user gets a clear message instead of a decoder's traceback."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(8)
        length = int.from_bytes(head, "little") if len(head) == 8 else -1
        ok = 2 <= length <= min(size - 8, 100 * 2**20)
        if ok:
            try:
                ok = isinstance(json.loads(fh.read(length)), dict)
            except (ValueError, UnicodeDecodeError):
                ok = False
    if not ok:
        raise UnsafePathError(
            f"{path.name} is not a valid safetensors file (a renamed pickle or a damaged "
            "file?); it was not loaded. Restore it from a backup or roll the round back"
        )
    return path
