"""Calling a user's oracle under fault: timeouts, a bounded pool of parallel calls, retries, incidents.

An oracle spec may carry options, e.g. ``python[timeout=30,workers=4,retries=2]:score.py:score`` or
``command[timeout=600,workers=2]:./dock.sh``:

* ``timeout`` — seconds one call may take; a command is killed, a Python call is abandoned;
* ``workers`` — the batch is split into this many chunks, called at the same time (at most this many
  calls are ever in flight, so a slow docking program cannot swamp the machine);
* ``retries`` — items whose measurement failed (exception, crash, timeout, NaN, missing output) are
  sent again, in a fresh call, up to this many more times.

Everything that went wrong is recorded as an *incident* (kind + JSON payload). `LoggedOracle` writes the
incidents of each `score()` call to the campaign's event log, where `status` and the GUI's log show them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from designer_app.core.protocols import FAILED, OracleResult
from designer_app.oracles.errors import OracleSpecError

CallOnce = Callable[[list[str]], list[OracleResult]]
MAX_WORKERS = 64
MAX_RETRIES = 10


@dataclass(frozen=True)
class CallPolicy:
    """How an adapter calls a user's oracle.

    Attributes:
        timeout: seconds one call may take; None waits forever.
        workers: calls in flight at once (the batch is split into this many chunks).
        retries: extra attempts for items whose measurement failed.
    """

    timeout: float | None = None
    workers: int = 1
    retries: int = 0

    def __post_init__(self) -> None:
        if self.timeout is not None and (not math.isfinite(self.timeout) or self.timeout <= 0):
            raise OracleSpecError(f"timeout must be a positive number of seconds, got {self.timeout!r}")
        if not 1 <= self.workers <= MAX_WORKERS:
            raise OracleSpecError(f"workers must be between 1 and {MAX_WORKERS}, got {self.workers!r}")
        if not 0 <= self.retries <= MAX_RETRIES:
            raise OracleSpecError(f"retries must be between 0 and {MAX_RETRIES}, got {self.retries!r}")


OPTION_KEYS = ("timeout", "workers", "retries")


def parse_call_options(text: str | None, spec: str, default_timeout: float | None = None) -> CallPolicy:
    """``"timeout=30, workers=4, retries=2"`` -> CallPolicy; OracleSpecError saying what to write."""
    values: dict[str, Any] = {"timeout": default_timeout}
    for item in (t.strip() for t in (text or "").split(",")):
        if not item:
            continue
        key, sep, raw = (s.strip() for s in item.partition("="))
        key = key.lower()
        if not sep or key not in OPTION_KEYS:
            raise OracleSpecError(
                f"{spec!r}: unknown option {item!r}; options are timeout=SECONDS, workers=N and retries=N, "
                "e.g. python[timeout=30,workers=4,retries=2]:score.py:score"
            )
        try:
            values[key] = float(raw) if key == "timeout" else int(raw)
        except ValueError:
            unit = "a number of seconds" if key == "timeout" else "a whole number"
            raise OracleSpecError(f"{spec!r}: {key} must be {unit}, got {raw!r}") from None
    try:
        return CallPolicy(**values)
    except OracleSpecError as exc:
        raise OracleSpecError(f"{spec!r}: {exc}") from None


class IncidentLog:
    """Thread-safe list of (kind, payload) that the adapters fill and `LoggedOracle` drains."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[tuple[str, dict]] = []

    def add(self, kind: str, **payload: Any) -> None:
        with self._lock:
            self._items.append((kind, payload))

    def drain(self) -> list[tuple[str, dict]]:
        with self._lock:
            items, self._items = self._items, []
        return items


def score_with_policy(
    call_once: CallOnce, items: Sequence[str], policy: CallPolicy, source: str, incidents: IncidentLog
) -> list[OracleResult]:
    """Score `items` with `call_once` (one guarded call of the user's oracle: returns one result per
    item and never raises), in at most `policy.workers` parallel chunks, retrying failed items."""
    n = len(items)
    results: list[OracleResult | None] = [None] * n
    todo = list(range(n))
    for attempt in range(policy.retries + 1):
        if not todo:
            break
        if attempt:
            incidents.add("OracleRetry", source=source, attempt=attempt, items=len(todo))
        chunks = _split(todo, policy.workers)
        outputs = _call_chunks(call_once, [[items[i] for i in chunk] for chunk in chunks])
        for chunk, out in zip(chunks, outputs):
            for i, result in zip(chunk, out):
                results[i] = result
            failed = [r for r in out if r.status == FAILED]
            if failed:
                kind = "OracleCallFailed" if len(failed) == len(out) else "OracleItemsFailed"
                notes = Counter(r.note for r in failed).most_common(3)
                incidents.add(
                    kind,
                    source=source,
                    attempt=attempt,
                    items=len(out),
                    failed=len(failed),
                    notes=[f"{note} (x{count})" for note, count in notes],
                )
        todo = [i for i in todo if results[i].status == FAILED]
    if todo and policy.retries:
        incidents.add("OracleGaveUp", source=source, items=len(todo), attempts=policy.retries + 1)
    return [r for r in results if r is not None]


def _split(indexes: list[int], workers: int) -> list[list[int]]:
    """At most `workers` contiguous, nearly equal chunks."""
    k = max(1, min(workers, len(indexes)))
    size, extra = divmod(len(indexes), k)
    chunks, start = [], 0
    for j in range(k):
        end = start + size + (1 if j < extra else 0)
        chunks.append(indexes[start:end])
        start = end
    return chunks


def _call_chunks(call_once: CallOnce, chunks: list[list[str]]) -> list[list[OracleResult]]:
    if len(chunks) == 1:
        return [call_once(chunks[0])]
    outputs: list[list[OracleResult] | None] = [None] * len(chunks)

    def run(j: int) -> None:
        try:
            outputs[j] = call_once(chunks[j])
        except BaseException as exc:  # call_once must not raise; if it does, its items fail, nothing crashes
            outputs[j] = [OracleResult(None, FAILED, f"oracle call raised {type(exc).__name__}: {exc}")] * len(
                chunks[j]
            )

    # Daemon threads: a hung call (no timeout set) must not keep the app from quitting.
    threads = [
        threading.Thread(target=run, args=(j,), name=f"designer-app-oracle-{j}", daemon=True)
        for j in range(len(chunks))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [out for out in outputs if out is not None]


class LoggedOracle:
    """An oracle whose incidents (failed calls, retries, timeouts) go to the campaign's event log.

    Args:
        inner: the oracle.
        log: `log(kind, payload)`, e.g. a bound `CampaignStore.log_event` for the current round. It is
            called from the thread that called `score()`, which owns the store connection.
    """

    def __init__(self, inner: Any, log: Callable[[str, dict], None]) -> None:
        self.inner = inner
        self._log = log
        self.name: str = inner.name
        self.optimum = getattr(inner, "optimum", None)
        self.is_manual: bool = bool(getattr(inner, "is_manual", False))

    def __repr__(self) -> str:
        return f"LoggedOracle({self.inner!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        started = time.monotonic()
        results = self.inner.score(items)
        drained = getattr(self.inner, "drain_incidents", None)
        incidents = drained() if callable(drained) else []
        failed = [r for r in results if getattr(r, "status", FAILED) == FAILED]
        if failed and not incidents:  # oracles without their own incident log (built-ins, plug-ins)
            notes = Counter(r.note for r in failed).most_common(3)
            incidents = [
                (
                    "OracleItemsFailed",
                    {
                        "source": self.name,
                        "items": len(results),
                        "failed": len(failed),
                        "notes": [f"{n} (x{c})" for n, c in notes],
                    },
                )
            ]
        for kind, payload in incidents:
            self._log(kind, {**payload, "oracle": self.name, "seconds": round(time.monotonic() - started, 3)})
        return results
