"""Named fault points: where crash tests kill the process on purpose.

Every place where a crash could leave half-done work (a file written but not renamed, a transaction
about to commit, a file renamed but not yet recorded) calls `point(name)`. In normal use this costs one
dictionary lookup. Two hooks make the points useful to the fault-injection harness
(benchmarks/fault_injection.py, tests/reliability):

* ``DESIGNER_APP_FAULT="commit:measurements@2"`` kills the process with SIGKILL the 2nd time the point
  is reached (``@1`` when omitted); several points may be given, separated by commas. It works for
  `designer-app` subprocesses too, because it is read from the environment at every call.
* `set_tracer(fn)` has `fn(name)` called at every point, so a harness that kills at random moments
  can tell what the process was doing when it died.

Point names (a `<what>` is the store operation: add_round, candidates, measurements, status,
checkpoint, metrics, import, rollback, event):
    write:begin, write:before_rename, write:done      around every atomic file write
    commit:<what>                                     inside a transaction, just before it commits
    committed:<what>                                  just after it committed
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

ENV_FAULT = "DESIGNER_APP_FAULT"

_hits: dict[str, int] = {}
_tracer: Callable[[str], None] | None = None


def set_tracer(tracer: Callable[[str], None] | None) -> None:
    """Call `tracer(name)` at every fault point (None to stop)."""
    global _tracer
    _tracer = tracer


def parse_spec(spec: str) -> dict[str, int]:
    """``"a@2,b"`` -> {"a": 2, "b": 1}. Malformed counts count as 1: a typo in a test's environment
    must not silently disable the kill it asked for."""
    wanted: dict[str, int] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, _, count = part.partition("@")
        try:
            wanted[name.strip()] = max(1, int(count)) if count else 1
        except ValueError:
            wanted[name.strip()] = 1
    return wanted


def point(name: str) -> None:
    """Mark a fault point; kill the process here if the environment asks for it."""
    if _tracer is not None:
        _tracer(name)
    spec = os.environ.get(ENV_FAULT)
    if not spec:
        return
    wanted = parse_spec(spec)
    if name not in wanted:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == wanted[name]:
        # SIGKILL, not an exception: nothing may run after this (no finally, no atexit, no flush),
        # exactly as when the laptop dies.
        os.kill(os.getpid(), signal.SIGKILL)


def reset() -> None:
    """Forget how often each point was hit (a harness child reuses the module)."""
    _hits.clear()
