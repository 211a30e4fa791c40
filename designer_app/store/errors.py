"""The store's error type and clock, shared by its modules."""

from __future__ import annotations

from datetime import datetime, timezone


class StoreError(RuntimeError):
    """The campaign database cannot be used as asked; the message says why and what to do."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")
