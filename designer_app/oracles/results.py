"""Turning whatever an oracle returned into `OracleResult`s, without ever raising.

Shared by the Python, entry-point and command adapters so that every kind of oracle applies the same
rules: None is "infeasible" (status ok, no value), NaN/inf and non-numbers are failed measurements, and a
batch of the wrong length fails as a whole (we cannot tell which score belongs to which item).
"""

from __future__ import annotations

import math
import traceback
from typing import Any

from designer_app.core.protocols import FAILED, OK, OracleResult

# Notes end up in tables and tooltips; a multi-kilobyte traceback there helps nobody.
MAX_NOTE_CHARS = 500


def shorten(text: str, limit: int = MAX_NOTE_CHARS) -> str:
    """`text` on one line-ish, cut to `limit` characters (keeping the end, where errors usually are)."""
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def tail(text: str | None, max_lines: int = 5, max_chars: int = MAX_NOTE_CHARS) -> str:
    """The last few non-empty lines of a program's stderr: the error is almost always at the end."""
    if not text:
        return ""
    lines = [line for line in text.splitlines() if line.strip()]
    return shorten("\n".join(lines[-max_lines:]), max_chars)


def failed(note: str) -> OracleResult:
    return OracleResult(value=None, status=FAILED, note=shorten(note))


def failed_all(n: int, note: str) -> list[OracleResult]:
    """`n` failed results sharing one note (whole-batch failures: timeout, crash, wrong length)."""
    result = failed(note)
    return [result] * n  # OracleResult is frozen, so sharing one instance is safe


def describe_exception(exc: BaseException) -> str:
    """`Type: message (file:line)` pointing at the innermost frame, which is usually the user's code."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    if frames:
        last = frames[-1]
        text += f" (at {last.filename}:{last.lineno})"
    return text


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def coerce_value(value: Any) -> OracleResult:
    """One returned score as an `OracleResult`.

    Accepts numbers (including NumPy scalars), None (infeasible) and ready-made `OracleResult`s (so
    plug-ins can attach notes). Everything else is a failed measurement whose note says what came back.
    """
    if isinstance(value, OracleResult):
        if value.status not in (OK, FAILED):
            return failed(f"oracle returned status {value.status!r}; expected 'ok' or 'failed'")
        if value.status == FAILED:
            # Failed rows carry no value (see core.protocols), whatever the plug-in put there.
            return OracleResult(value=None, status=FAILED, note=shorten(value.note or "failed"))
        if value.value is None:
            return value
        inner = coerce_value(value.value)
        if inner.status != OK:
            return inner
        return OracleResult(value=inner.value, status=OK, note=value.note)
    if value is None:
        return OracleResult(value=None, status=OK, note="infeasible (oracle returned None)")
    # bool is an int subclass; a True/False "score" is almost certainly a bug in the user's function.
    if isinstance(value, bool) or type(value).__name__ in ("bool", "bool_"):  # NumPy's bool too
        return failed(f"non-numeric score {value!r} (a bool); return a float")
    if isinstance(value, (str, bytes)):
        return failed(f"non-numeric score {_preview(value)} (a {type(value).__name__}); return a float")
    # NumPy arrays define __float__ for size-1 arrays only, and deprecate it; reject any array shape.
    if getattr(value, "ndim", 0) not in (0, None):
        return failed(f"expected one number per item, got an array of shape {getattr(value, 'shape', '?')}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return failed(f"non-numeric score {_preview(value)} (a {type(value).__name__}); return a float")
    if not math.isfinite(number):
        return failed(f"non-finite score {number!r}; return None for infeasible items")
    return OracleResult(value=number, status=OK)


def coerce_batch(raw: Any, n: int, source: str) -> list[OracleResult]:
    """A whole returned batch as `n` results; the batch fails as a whole if it is not a sequence of `n`.

    Args:
        raw: what the oracle returned (list, tuple, NumPy array, generator, ...).
        n: how many items were sent.
        source: who returned it, for the note (e.g. "score() in oracle.py").
    """
    if raw is None or isinstance(raw, (str, bytes, dict)):
        return failed_all(n, f"{source} returned {_preview(raw)}; expected a list of {n} numbers")
    try:
        values = list(raw)
    except Exception as exc:  # not iterable, or a generator that raised half-way
        return failed_all(
            n, f"{source} returned a {type(raw).__name__}, not a list of numbers ({describe_exception(exc)})"
        )
    if len(values) != n:
        return failed_all(n, f"{source} returned {len(values)} scores for {n} items; return exactly one per item")
    return [coerce_value(v) for v in values]
