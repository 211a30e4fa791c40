"""External-program oracles: `command:CMD ...` and `command[timeout=30]:CMD ...`.

Protocol, chosen so any language can implement it with a CSV library:

* the oracle writes CSV with header `id,item` to the program's stdin, ids being "0".."n-1";
* the program prints CSV `id,score` to stdout — header optional, extra columns ignored, rows in any
  order, an empty score (or `None`/`NA`/`null`) meaning infeasible; logs belong on stderr.

Timeouts, non-zero exits, unparsable output and missing ids become failed results whose note carries
the tail of stderr; `score()` never raises. With `workers` the batch is split into that many chunks,
each run by its own process at the same time (ids restart at 0 in every chunk); with `retries` failed
items are sent again (see oracles.pool). The program runs without a shell (`shlex.split` on POSIX),
so quoting works as in a terminal but pipes and redirections need an explicit `sh -c '...'`.
"""

from __future__ import annotations

import csv
import io
import os
import shlex
import signal
import subprocess
from collections.abc import Sequence

from designer_app.core.protocols import OK, OracleResult
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.kinds import OracleKind, OracleRequest
from designer_app.oracles.pool import OPTION_KEYS, CallPolicy, IncidentLog, parse_call_options, score_with_policy
from designer_app.oracles.python_oracle import check_optimum, check_timeout
from designer_app.oracles.results import coerce_value, failed, failed_all, shorten, tail

DEFAULT_TIMEOUT_S = 600.0
# Cells that mean "this item is infeasible" rather than "the program printed garbage".
_INFEASIBLE_CELLS = {"", "none", "na", "n/a", "null"}
_IS_POSIX = os.name == "posix"


def split_command(command: str) -> list[str] | str:
    """The argument list to run (POSIX), or the raw string (Windows: CreateProcess parses it itself).

    Raises OracleSpecError for an empty command or unbalanced quotes.
    """
    if not command.strip():
        raise OracleSpecError(
            "empty command; write command:PROGRAM ARGS, e.g. command:python score.py (the program reads "
            "CSV id,item on stdin and prints CSV id,score)"
        )
    if not _IS_POSIX:
        return command.strip()
    try:
        argv = shlex.split(command)
    except ValueError as exc:  # "No closing quotation" and friends
        raise OracleSpecError(f"cannot split command {command!r}: {exc}; check the quotes") from exc
    if not argv:
        raise OracleSpecError("empty command; write command:PROGRAM ARGS, e.g. command:python score.py")
    return argv


def items_to_csv(items: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")  # quotes items that contain commas or quotes
    writer.writerow(["id", "item"])
    for i, item in enumerate(items):
        writer.writerow([str(i), item])
    return buffer.getvalue()


class _Unparsable(Exception):
    pass


def _parse_score_cell(cell: str) -> OracleResult:
    if cell.strip().lower() in _INFEASIBLE_CELLS:
        return OracleResult(value=None, status=OK, note="infeasible (empty score)")
    try:
        number = float(cell)
    except ValueError:
        return failed(f"non-numeric score {cell.strip()[:40]!r} in the command's output")
    return coerce_value(number)  # NaN / inf -> failed


def parse_scores(stdout: str, n: int) -> list[OracleResult]:
    """Parse the program's `id,score` CSV into `n` results.

    A row that is not `id,score` for a known id makes the whole output unparsable (raises _Unparsable):
    a program printing logs to stdout could otherwise have a log line silently read as a score.
    """
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(stdout))]
    rows = [row for row in rows if any(row)]
    id_col, score_col = 0, 1
    if rows and "id" in [c.lower() for c in rows[0]]:
        header = [c.lower() for c in rows[0]]
        if "score" not in header:
            raise _Unparsable(f"the header {','.join(rows[0])!r} has no 'score' column")
        id_col, score_col = header.index("id"), header.index("score")
        rows = rows[1:]
    valid_ids = {str(i) for i in range(n)}
    found: dict[int, OracleResult] = {}
    for line_no, row in enumerate(rows, start=1):
        if len(row) <= max(id_col, score_col):
            raise _Unparsable(f"line {line_no} {','.join(row)[:60]!r} is not 'id,score'")
        row_id = row[id_col]
        if row_id not in valid_ids:
            raise _Unparsable(f"line {line_no} has id {row_id[:30]!r}, not one of the ids 0..{n - 1} sent")
        index = int(row_id)
        if index in found:
            found[index] = failed(f"id {row_id} appears more than once in the command's output")
            continue
        found[index] = _parse_score_cell(row[score_col])
    return [found.get(i, failed(f"the command's output has no row for id {i}")) for i in range(n)]


class CommandOracle:
    """Scores items by running an external program once per batch.

    Args:
        command: the command line (no shell), e.g. `python score.py --fast`.
        name: the spec it came from; defaults to `command:<command>`.
        optimum: best attainable score, if known.
        timeout: seconds per call (default 600); on timeout the program and its children are killed.
        cwd: folder to run in; None = the current working directory.
        workers: programs run at the same time per batch (each gets a chunk of it).
        retries: how many more times failed items are sent again.
    """

    is_manual = False

    def __init__(
        self,
        command: str,
        *,
        name: str | None = None,
        optimum: float | None = None,
        timeout: float | None = DEFAULT_TIMEOUT_S,
        cwd: str | None = None,
        workers: int = 1,
        retries: int = 0,
    ) -> None:
        self.command = command.strip()
        self.args = split_command(command)
        self.name: str = name or f"command:{self.command}"
        self.optimum: float | None = check_optimum(optimum, "optimum")
        self.timeout: float | None = check_timeout(timeout, self.name)
        self.cwd = cwd
        self.policy = CallPolicy(self.timeout, workers, retries)
        self.incidents = IncidentLog()

    def __repr__(self) -> str:
        return f"CommandOracle(name={self.name!r}, timeout={self.timeout!r})"

    def score(self, items: Sequence[str]) -> list[OracleResult]:
        if not items:
            return []
        return score_with_policy(self._score_once, list(items), self.policy, self.name, self.incidents)

    def drain_incidents(self) -> list[tuple[str, dict]]:
        """What went wrong since the last call (crashes, timeouts, retries), for the event log."""
        return self.incidents.drain()

    def _score_once(self, items: Sequence[str]) -> list[OracleResult]:
        """One run of the program on `items`."""
        batch = list(items)
        n = len(batch)
        if n == 0:
            return []
        program = self.args[0] if isinstance(self.args, list) else self.command
        try:
            proc = subprocess.Popen(
                self.args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                encoding="utf-8",
                errors="replace",
                cwd=self.cwd,
                # Own process group, so a timeout can kill the program's children too (a wrapper
                # script's docking job must not outlive it).
                start_new_session=_IS_POSIX,
            )
        except FileNotFoundError:
            return failed_all(n, f"command not found: {program!r}; give its full path or put it on PATH")
        except OSError as exc:
            return failed_all(n, f"cannot start {program!r}: {exc}")
        try:
            stdout, stderr = proc.communicate(items_to_csv(batch), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            stderr = _drain_stderr(proc)
            note = f"command timed out after {self.timeout:g} s and was killed"
            return failed_all(n, note + (f"; stderr: {tail(stderr)}" if tail(stderr) else ""))
        if proc.returncode != 0:
            note = f"command exited with status {proc.returncode}"
            return failed_all(n, note + (f"; stderr: {tail(stderr)}" if tail(stderr) else " (no stderr)"))
        try:
            return parse_scores(stdout, n)
        except _Unparsable as exc:
            note = f"unparsable command output: {exc}; print only CSV id,score on stdout (logs go to stderr)"
            if tail(stderr):
                note += f"; stderr: {tail(stderr)}"
            return failed_all(n, shorten(note))


def _kill(proc: subprocess.Popen) -> None:
    """Kill the program and, on POSIX, its whole process group."""
    try:
        if _IS_POSIX:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()  # Windows: only the direct child; grandchildren need job objects
    except (ProcessLookupError, PermissionError, OSError):
        pass  # already gone


def _drain_stderr(proc: subprocess.Popen) -> str:
    """What the killed program wrote to stderr, without hanging if a grandchild still holds the pipe."""
    try:
        _, stderr = proc.communicate(timeout=5)
        return stderr or ""
    except (subprocess.TimeoutExpired, ValueError, OSError):
        proc.kill()
        return ""


def _build_command(request: OracleRequest) -> CommandOracle:
    """`command[options]:CMD ARGS`, run in the campaign's workdir."""
    policy = parse_call_options(request.options, request.spec, DEFAULT_TIMEOUT_S)
    return CommandOracle(
        (request.body or "").strip(),
        name=request.spec,
        timeout=policy.timeout,
        workers=policy.workers,
        cwd=request.base,
        retries=policy.retries,
    )


COMMAND = OracleKind(
    name="command",
    domains=(),
    build=_build_command,
    options=OPTION_KEYS,
    example="command:python score.py",
    order=14,
    forms=(
        (
            "command:CMD ARGS",
            f"external program: CSV id,item on stdin, CSV id,score on stdout (timeout {DEFAULT_TIMEOUT_S:g} s)",
        ),
    ),
)
