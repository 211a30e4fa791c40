"""In-process Python oracles: `python:FILE.py:FUNC`, `python:package.module:FUNC` and plug-in objects.

A scoring function has the signature `FUNC(items: list[str]) -> list[float | None]` (one score per item,
None = infeasible). An optional attribute `FUNC.optimum` (a float) is the best attainable score and
enables regret curves.

The user's code runs in this process, so everything it can do wrong — raise, hang, return the wrong
number of scores, NaN, strings — is caught here and becomes failed `OracleResult`s; `score()` never
raises. A timeout runs the call in a daemon worker thread and gives up waiting; Python cannot kill a
thread, so a timed-out call keeps running (and holding whatever it holds) until it returns by itself.
Use a `command:` oracle when a hard kill is needed. `workers` and `retries` (see oracles.pool) split a
batch into parallel calls and re-send failed items; the function must then be thread-safe.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import math
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from types import ModuleType
from typing import Any

from designer_app.core.protocols import Oracle, OracleResult
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.kinds import OracleKind, OracleRequest
from designer_app.oracles.pool import OPTION_KEYS, CallPolicy, IncidentLog, parse_call_options, score_with_policy
from designer_app.oracles.results import coerce_batch, describe_exception, failed_all

ScoreFunction = Callable[[list[str]], Sequence[Any]]


def check_optimum(value: Any, where: str) -> float | None:
    """`value` as a finite float (None stays None); OracleSpecError naming `where` otherwise."""
    if value is None:
        return None
    number: float | None = None
    if not isinstance(value, (bool, str, bytes)):  # float("3") works, but a string optimum is a mistake
        try:
            number = float(value)
        except (TypeError, ValueError):
            pass
    if number is None:
        raise OracleSpecError(f"{where} must be a number (the best attainable score), got {value!r}")
    if not math.isfinite(number):
        raise OracleSpecError(f"{where} must be a finite number, got {value!r}")
    return number


def check_timeout(value: Any, where: str) -> float | None:
    """A positive number of seconds, or None for no timeout."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise OracleSpecError(f"{where}: timeout must be a number of seconds, got {value!r}") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise OracleSpecError(f"{where}: timeout must be a positive number of seconds, got {value!r}")
    return seconds


class _TimedOut(Exception):
    pass


def _call_in_thread(fn: Callable[[list[str]], Any], batch: list[str], timeout: float) -> Any:
    """`fn(batch)` in a daemon thread, waiting at most `timeout` seconds.

    Not a ThreadPoolExecutor: its workers are joined at interpreter exit, so one hung oracle call would
    stop the app from quitting. A daemon thread feeding a concurrent.futures.Future does not.
    """
    future: Future[Any] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn(batch))
        except BaseException as exc:  # hand everything to the caller, which turns it into failed results
            future.set_exception(exc)

    threading.Thread(target=run, name="designer-app-oracle", daemon=True).start()
    try:
        return future.result(timeout=timeout)
    except TimeoutError:
        # The user's function may raise TimeoutError itself; only an unfinished future is our timeout.
        if not future.done():
            raise _TimedOut() from None
        raise


def call_guarded(
    fn: Callable[[list[str]], Any], items: Sequence[str], *, timeout: float | None, source: str
) -> list[OracleResult]:
    """Call `fn(items)` and coerce what it returns; every failure becomes failed results."""
    batch = list(items)  # a fresh list: the user's function may mutate or keep it
    if not batch:
        return []  # nothing to measure; do not make user code handle the empty batch
    try:
        raw = fn(batch) if timeout is None else _call_in_thread(fn, batch, timeout)
    except _TimedOut:
        return failed_all(
            len(batch),
            f"{source} timed out after {timeout:g} s (its thread cannot be stopped and may still be running)",
        )
    # SystemExit too: a stray sys.exit() in the user's function must not quit the app.
    except (Exception, SystemExit) as exc:
        return failed_all(len(batch), f"{source} raised {describe_exception(exc)}")
    return coerce_batch(raw, len(batch), source)


class PythonOracle:
    """Wraps a plain scoring function `FUNC(items) -> scores` as an `Oracle`.

    Args:
        func: the scoring function.
        name: the spec it came from (shown in the campaign); defaults to the function's name.
        optimum: best attainable score; defaults to `func.optimum` when the function has one.
        timeout: seconds to wait for one call, None to wait forever.
        workers: parallel calls per batch (the batch is split into this many chunks).
        retries: how many more times failed items are sent again.
    """

    is_manual = False

    def __init__(
        self,
        func: ScoreFunction,
        *,
        name: str | None = None,
        optimum: float | None = None,
        timeout: float | None = None,
        workers: int = 1,
        retries: int = 0,
    ) -> None:
        if not callable(func):
            raise OracleSpecError(f"a Python oracle needs a function, got {type(func).__name__}")
        self.func = func
        label = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
        self.name: str = name or f"python:{label}"
        self._source = f"{label}()"
        self.optimum: float | None = (
            check_optimum(optimum, "optimum")
            if optimum is not None
            else check_optimum(getattr(func, "optimum", None), f"{label}.optimum")
        )
        self.timeout: float | None = check_timeout(timeout, self.name)
        self.policy = CallPolicy(self.timeout, workers, retries)
        self.incidents = IncidentLog()

    def __repr__(self) -> str:
        return f"PythonOracle(name={self.name!r}, optimum={self.optimum!r}, timeout={self.timeout!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        if not items:
            return []
        return score_with_policy(
            lambda chunk: call_guarded(self.func, chunk, timeout=self.timeout, source=self._source),
            list(items),
            self.policy,
            self.name,
            self.incidents,
        )

    def drain_incidents(self) -> list[tuple[str, dict]]:
        """What went wrong since the last call (failed calls, retries), for the campaign's event log."""
        return self.incidents.drain()


class WrappedOracle:
    """Guards an `Oracle` object supplied by a plug-in, so it obeys the never-raise contract too.

    Args:
        inner: the plug-in's oracle.
        name: the spec it was selected with.
        optimum: overrides `inner.optimum` when given.
        timeout: seconds to wait for one call, None to wait forever.
        workers, retries: as for PythonOracle.
    """

    def __init__(
        self,
        inner: Oracle,
        *,
        name: str,
        optimum: float | None = None,
        timeout: float | None = None,
        workers: int = 1,
        retries: int = 0,
    ) -> None:
        self.inner = inner
        self.name: str = name
        self.is_manual: bool = bool(getattr(inner, "is_manual", False))
        self.optimum: float | None = (
            check_optimum(optimum, "optimum")
            if optimum is not None
            else check_optimum(getattr(inner, "optimum", None), f"{name}: the oracle's optimum")
        )
        self.timeout: float | None = check_timeout(timeout, name)
        self.policy = CallPolicy(self.timeout, workers, retries)
        self.incidents = IncidentLog()

    def __repr__(self) -> str:
        return f"WrappedOracle(name={self.name!r}, inner={self.inner!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        if self.is_manual:
            return self.inner.score(items)  # manual oracles raise by design: nobody should call them
        if not items:
            return []
        return score_with_policy(
            lambda chunk: call_guarded(self.inner.score, chunk, timeout=self.timeout, source=f"{self.name}: score()"),
            list(items),
            self.policy,
            self.name,
            self.incidents,
        )

    def drain_incidents(self) -> list[tuple[str, dict]]:
        return self.incidents.drain()


# ----------------------------------------------------------------------------------------------------
# Loading `python:` targets


def is_file_target(target: str) -> bool:
    """True when a `python:` target names a file rather than an importable module."""
    return target.endswith(".py") or "/" in target or "\\" in target


def _module_name_for(path: Path) -> str:
    # A private, path-unique name: two oracle files both called score.py must not replace each other.
    digest = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:10]
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    return f"_designer_app_oracle_{stem}_{digest}"


def load_module_from_file(path_text: str, base: str | Path | None = None) -> ModuleType:
    """Execute a .py file as a fresh module (re-read every time, so edits take effect on the next run).

    Relative paths resolve against `base` (a campaign's `workdir`: the folder it was created from, so the
    same file is found wherever the campaign is run from), else the current working directory.
    """
    path = Path(path_text).expanduser()
    if not path.is_absolute():
        path = Path(base or Path.cwd()) / path
    if not path.is_file():
        where = f"the campaign's folder of creation, {base}" if base else f"the current folder, {Path.cwd()}"
        raise OracleSpecError(
            f"oracle file not found: {path} (relative paths are resolved against {where}); "
            "fix the path in the spec or give an absolute path"
        )
    if path.suffix != ".py":
        raise OracleSpecError(f"oracle file {path} is not a .py file; point the spec at a Python source file")
    module_name = _module_name_for(path.resolve())
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise OracleSpecError(f"cannot load {path} as Python; check that it is a Python source file")
    module = importlib.util.module_from_spec(spec)
    # Registered before execution because dataclasses and pickle look the module up in sys.modules.
    sys.modules[module_name] = module
    # The file's folder is on sys.path while it runs, so top-level imports of helper modules placed
    # next to it work as they would with `python oracle.py`; it is removed again to avoid shadowing.
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(module_name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise OracleSpecError(f"importing oracle file {path} failed: {describe_exception(exc)}; fix the file") from exc
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:
            pass  # the file removed it itself
    return module


def import_module(name: str) -> ModuleType:
    """Import `package.module`, with an error that says how to fix a missing module."""
    if not all(part.isidentifier() for part in name.split(".")):
        raise OracleSpecError(
            f"{name!r} is neither a path to a .py file nor a module name like package.module; "
            f"write python:path/to/file.py:FUNC or python:package.module:FUNC"
        )
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise OracleSpecError(
                f"cannot find module {name!r}; install the package that provides it in this environment, "
                f"or, for a file in the current folder, write python:./{name.replace('.', '/')}.py:FUNC"
            ) from exc
        raise OracleSpecError(f"importing module {name!r} failed: {describe_exception(exc)}") from exc
    except Exception as exc:
        raise OracleSpecError(f"importing module {name!r} failed: {describe_exception(exc)}") from exc


def get_function(module: ModuleType, func_name: str, where: str) -> ScoreFunction:
    """`module.func_name` (dotted names allowed, e.g. `Scorer.score`), checked to be callable."""
    if not func_name or not all(part.isidentifier() for part in func_name.split(".")):
        raise OracleSpecError(
            f"{func_name!r} is not a Python function name; the part after the last ':' must name "
            f"the scoring function, e.g. python:{where}:score"
        )
    obj: Any = module
    for part in func_name.split("."):
        if not hasattr(obj, part):
            defined = sorted(
                n
                for n, v in vars(module).items()
                if callable(v) and not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
            )
            listing = ", ".join(defined) if defined else "none"
            raise OracleSpecError(
                f"{where} has no function {func_name!r} (functions defined there: {listing}); "
                f"change the name after the last ':' in the spec"
            )
        obj = getattr(obj, part)
    if not callable(obj):
        raise OracleSpecError(
            f"{where}:{func_name} is a {type(obj).__name__}, not a function; "
            f"point the spec at FUNC(items: list[str]) -> list[float | None]"
        )
    return obj


def load_function(target: str, func_name: str, base: str | Path | None = None) -> ScoreFunction:
    """The scoring function named by a `python:TARGET:FUNC` spec (TARGET a .py path, relative to `base`
    when given, or a module)."""
    if is_file_target(target):
        module = load_module_from_file(target, base)
        return get_function(module, func_name, target)
    module = import_module(target)
    return get_function(module, func_name, target)


def _build_python(request: OracleRequest) -> PythonOracle:
    """`python[options]:FILE.py:FUNC` or `python[options]:package.module:FUNC`."""
    spec, body = request.spec, (request.body or "").strip()
    policy = parse_call_options(request.options, spec)
    # Split from the right: a Windows path has its own ':' (python:C:\oracles\f.py:score).
    target, sep, func_name = body.rpartition(":")
    target, func_name = target.strip(), func_name.strip()
    if not sep or not target or not func_name:
        raise OracleSpecError(
            f"{spec!r} must name a file or module and a function: write python:FILE.py:FUNC or "
            "python:package.module:FUNC, where FUNC(items) returns one score per item"
        )
    if not all(part.isidentifier() for part in func_name.split(".")):
        raise OracleSpecError(
            f"{func_name!r} in {spec!r} is not a function name; the spec must end with ':FUNC', "
            f"e.g. python:{body}:score"
        )
    func = load_function(target, func_name, request.base)
    return PythonOracle(func, name=spec, timeout=policy.timeout, workers=policy.workers, retries=policy.retries)


PYTHON = OracleKind(
    name="python",
    domains=(),
    build=_build_python,
    options=OPTION_KEYS,
    example="python:score.py:score",
    order=13,
    forms=(
        ("python:FILE.py:FUNC", "in-process FUNC(items) -> list[float | None] from a .py file"),
        ("python:package.module:FUNC", "in-process FUNC(items) -> list[float | None] from an importable module"),
        (
            "python[timeout=S,workers=N,retries=R]:...",
            "also command[...]: S seconds per call, N calls at once, R retries",
        ),
    ),
)
