"""Atomic file writes: temp file in the same folder, fsync, rename. A crash leaves the old file or the new
one, never half of one. Also the sha256 the store records for every checkpoint. Neutral ground: the store,
the models, the trainers and the exporters all write files this way, and none of them needs the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from designer_app import faults


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
