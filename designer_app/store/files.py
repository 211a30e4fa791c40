"""Atomic file writes: temp file in the same folder, fsync, rename. A crash leaves the old file or the new
one, never half of one. Also the sha256 that the store records for every checkpoint, and the checks that
keep campaign files safe: paths stay inside the campaign folder, weights are safetensors (never pickle).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from designer_app.store import faults

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
        kind = "a pickle-based file, which can run code when loaded" if path.suffix.lower() in PICKLE_SUFFIXES \
            else "not a safetensors file"
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
        raise UnsafePathError(f"{path.name} is not a valid safetensors file (a renamed pickle or a damaged "
                              "file?); it was not loaded. Restore it from a backup or roll the round back")
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    faults.point("write:begin")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; exports should be readable as usual
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        faults.point("write:before_rename")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    faults.point("write:done")
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, data) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def remove_stale_temp_files(folder: str | Path, older_than_s: float = 3600.0) -> int:
    """Delete `.NAME.*.tmp` files that a crash left between writing and renaming; returns how many.
    They are never referenced (the rename is what publishes a file), so removing them loses nothing.
    Only files older than `older_than_s` go: a younger one may be a write in progress in another thread."""
    import time

    removed, cutoff = 0, time.time() - older_than_s
    for tmp in Path(folder).rglob(".*.tmp"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed += 1
        except OSError:
            pass  # renamed or removed meanwhile by its writer
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms (Windows) cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
