"""The open campaign: its store, the engine run on a worker thread, and snapshot refreshes.

The engine is `campaigns.run`, a plain generator. superqt's GeneratorWorker advances it on a thread of
the global QThreadPool and delivers every yielded event to the GUI thread as a queued signal. The
generator is created here but its body (which opens the worker's own store connection, as each thread
must) only starts on the worker thread. Stop sets a flag the engine reads through `should_stop` at
every yield and inside sampling and fine-tuning, so the engine ends at a safe, resumable point; nothing
ever terminates a thread and nothing calls processEvents().

Every exception of the engine ends the worker's generator normally (`guarded_engine_events`) and reaches
the GUI thread as an `EngineFailure`: superqt's GeneratorWorker takes a RuntimeError raised by a
generator (CampaignError and StoreError are RuntimeErrors) for a deleted worker, only warns "RuntimeError
in aborted thread" and emits neither `errored` nor `finished`, which left the session running forever.

The engine runs the opened folder itself (`campaigns.run_folder`): a campaign copied from a colleague
runs where it was opened, and a same-named campaign elsewhere is never touched.

The GUI thread keeps its own store connection for hand edits, imports and exports, and reads what to
show through `Snapshot`s loaded on another worker (see snapshot.py); after an engine event only the
round it names is read again.

The engine and the GUI share one interpreter lock, and every Qt call from Python (every paint of a
Python widget, every `data()` of a model) needs it, so while the engine runs: the lock is handed over
sooner (`sys.setswitchinterval`), torch leaves one core to the GUI thread, and the cyclic garbage
collector is paused while the engine imports torch and loads its model (a full collection over the
million objects torch creates held the lock for up to half a second), after which those objects are
frozen out of every later collection (`gc.freeze`). The app normally does that import earlier, in its
warm-up (warmup.py), and the engine then has nothing to pause for.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal
from superqt.utils import create_worker

from designer_app import campaigns
from designer_app import events as ev
from designer_app.config import CampaignConfig
from designer_app.gui import warmup
from designer_app.gui.snapshot import UNKNOWN, Snapshot, load_snapshot
from designer_app.store import CampaignStore, RollbackReport

# Events after which the store holds new rows or statuses worth re-reading.
_REFRESH_AFTER = (
    ev.CandidatesProposed,
    ev.ScoresAwaited,
    ev.ScoresRecorded,
    ev.RewardFitted,
    ev.FinetuneFinished,
    ev.RoundFinished,
    ev.CampaignFinished,
    ev.Stopped,
)


ENGINE_SWITCH_INTERVAL = 0.001  # seconds; Python's default 0.005 let each Qt call wait up to 5 ms
_engine_loaded = False  # whether an engine run has already imported torch and frozen its objects


def engine_torch_threads() -> int | None:
    """Intra-op threads for torch in the engine: all cores but one, which stays for the GUI thread
    (None: leave torch alone, the user set OMP_NUM_THREADS)."""
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores - 1)


def engine_events(folder, max_rounds: int | None, should_stop, allow_partial: bool = False):
    """`campaigns.run_folder` as the worker thread runs it for the window (see the module docstring).
    `allow_partial` lets a round awaiting lab scores go on once some are in (see core.loop.Campaign)."""
    global _engine_loaded
    # After the window's warm-up (warmup.py) torch is loaded and frozen already: nothing to pause for.
    loading = not (_engine_loaded or warmup.is_warm()) and gc.isenabled()
    if loading:
        gc.disable()
    threads = engine_torch_threads()

    def limit_torch() -> None:
        nonlocal threads
        torch = sys.modules.get("torch")  # imported by the engine itself, never from here
        if threads is not None and torch is not None:
            torch.set_num_threads(threads)  # on this thread: the one that runs the torch work
            threads = None

    limit_torch()
    try:
        for event in campaigns.run_folder(folder, max_rounds, should_stop, allow_partial=allow_partial):
            # The first event comes once the model is loaded, before any sampling (or after the first
            # fine-tuning step of a resumed round).
            if loading:
                gc.freeze()
                gc.enable()
                loading, _engine_loaded = False, True
            limit_torch()
            yield event
    finally:
        if loading:
            gc.enable()


@dataclass(frozen=True)
class EngineFailure:
    """What the engine's generator returns instead of raising: the exception, for the GUI thread."""

    exc: BaseException


def guarded_engine_events(*args, **kwargs):
    """`engine_events` as the GeneratorWorker runs it: any exception of the engine (BaseException
    included: a user's oracle may call sys.exit) ends the generator normally and is returned as an
    EngineFailure, which the worker delivers through `returned` and then `finished`. Raised, a
    RuntimeError (CampaignError, StoreError) would be swallowed by superqt with neither signal."""
    try:
        yield from engine_events(*args, **kwargs)
    except GeneratorExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - every engine failure must reach the GUI
        return EngineFailure(exc)
    return None


def _ensure_pool_size() -> None:
    """The global pool defaults to one thread per core; on a 2-core machine the engine plus a snapshot
    load would leave depictions queued behind them. The extra threads mostly wait, so this is cheap."""
    pool = QThreadPool.globalInstance()
    pool.setMaxThreadCount(max(4, pool.maxThreadCount()))


class CampaignSession(QObject):
    """One open campaign (or none).

    Signals:
        opened(Snapshot-less config): a campaign was opened; carries its CampaignConfig.
        closed(): the campaign was closed.
        snapshot_ready(Snapshot): fresh data from the store.
        engine_event(Event): an event from the running engine, in order.
        running_changed(bool): the engine started or finished.
        paused_changed(bool): the engine paused or resumed.
        run_finished(): the engine's generator ended (done, awaiting scores, stopped or failed).
        error(str, str, str): title, message, details (traceback) of a failure.
    """

    opened = Signal(object)
    closed = Signal()
    snapshot_ready = Signal(object)
    engine_event = Signal(object)
    running_changed = Signal(bool)
    paused_changed = Signal(bool)
    run_finished = Signal()
    error = Signal(str, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        _ensure_pool_size()
        self.store: CampaignStore | None = None
        self.config: CampaignConfig | None = None
        self.folder: Path | None = None
        self.snapshot: Snapshot | None = None
        self._optimum = UNKNOWN
        self._engine = None
        self._failure: BaseException | None = None  # the running engine's exception, until it finished
        self._stop = threading.Event()
        self._paused = False
        self._loader = None
        self._reload = False
        self._reload_rounds: set[int] | None = set()  # rounds to read again; None: everything
        self._loading_generation = -1
        self._switch_interval = sys.getswitchinterval()
        self._generation = 0  # bumps on open/close so a late snapshot of a closed campaign is dropped

    # ---- properties --------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.store is not None

    @property
    def is_running(self) -> bool:
        return self._engine is not None

    @property
    def is_paused(self) -> bool:
        return self._paused

    @property
    def is_loading(self) -> bool:
        return self._loader is not None

    @property
    def name(self) -> str | None:
        return self.folder.name if self.folder else None

    # ---- open / close ------------------------------------------------------------------------
    def open(self, folder: str | Path) -> None:
        """Open the campaign in `folder`. Raises StoreError/ConfigError with a message to show."""
        if self.is_running:
            raise campaigns.CampaignError("stop the running campaign before opening another one")
        folder = Path(folder).expanduser().resolve()
        store = CampaignStore.open(folder)
        try:
            config = CampaignConfig.from_json(store.config())
        except Exception:
            store.close()
            raise
        self.close()
        self.store, self.config, self.folder = store, config, folder
        self._optimum = UNKNOWN
        self._generation += 1
        self.opened.emit(config)
        self.refresh()

    def close(self) -> bool:
        """Close the campaign. Returns False (and does nothing) while the engine runs."""
        if self.is_running:
            return False
        if self.store is None:
            return True
        self.store.close()
        self.store = self.config = self.folder = self.snapshot = None
        self._generation += 1
        self._reload = False
        self.closed.emit()
        return True

    # ---- rollback ----------------------------------------------------------------------------
    @property
    def can_roll_back(self) -> bool:
        """A round can be rolled back: a campaign is open, has a round, and the engine is not running
        (the engine keeps the round it works on in memory and would go on writing it)."""
        snap = self.snapshot
        return self.is_open and not self.is_running and snap is not None and bool(snap.rounds)

    def rollback(self, round_index: int | None = None) -> RollbackReport:
        """Roll round `round_index` (None: the latest) and every later round back on the GUI thread's
        store connection (campaigns.rollback), then reload everything from the store: the rollback
        removes rows from the table and models from rounds, which no per-round refresh expects.

        Raises:
            CampaignError: no campaign is open, or the engine runs (refused here as well as in the
                window, so that no path can roll back under a running engine).
            StoreError: there is no such round.
        """
        if not self.is_open:
            raise campaigns.CampaignError("no campaign is open")
        if self.is_running:
            raise campaigns.CampaignError("stop the running campaign before rolling back a round")
        try:
            return campaigns.rollback(self.store, round_index)
        finally:
            self.refresh()  # also after a failure: whatever the store holds now is what to show

    # ---- engine ------------------------------------------------------------------------------
    def start(self, max_rounds: int | None = None, allow_partial: bool = False) -> None:
        """Run the engine: until the budget is spent or scores are awaited, or at most `max_rounds`
        new rounds. An unfinished round (e.g. one awaiting scores) is always finished first.

        `allow_partial` holds for this run only: a round awaiting lab scores goes on (fit, fine-tune,
        next round) once one of its candidates has a final measurement; the unscored ones stay pending
        and count when they arrive. Left False, a round waits for all its scores, as the CLI's `run`
        does without --allow-partial; a later plain run is never partial because an earlier one was.
        The engine runs the opened folder, wherever it is."""
        if not self.is_open or self.is_running:
            return
        self._stop.clear()
        self._paused = False
        self._failure = None
        worker = create_worker(
            guarded_engine_events,
            self.folder,
            max_rounds,
            self._stop.is_set,
            allow_partial,
            _start_thread=False,
            _ignore_errors=True,
        )
        worker.yielded.connect(self._on_event)
        worker.returned.connect(self._on_engine_returned)
        worker.errored.connect(self._on_engine_error)  # not expected (see guarded_engine_events)
        # Bound methods of this QObject (not lambdas), so Qt queues the calls onto the GUI thread.
        worker.paused.connect(self._on_paused)
        worker.resumed.connect(self._on_resumed)
        worker.finished.connect(self._on_engine_finished)
        self._engine = worker
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, ENGINE_SWITCH_INTERVAL))
        self.running_changed.emit(True)
        worker.start()

    def run_one_round(self) -> None:
        """Finish the unfinished round if there is one, else run one new round."""
        snap = self.snapshot
        self.start(0 if snap is not None and snap.unfinished_round() is not None else 1)

    def pause(self) -> None:
        """Pause at the engine's next event (the generator is simply not advanced)."""
        if self._engine is not None and not self._paused:
            self._engine.pause()

    def resume(self) -> None:
        if self._engine is not None:
            self._engine.resume()

    def stop(self) -> None:
        """Ask the engine to stop at its next check (within a second); the campaign stays resumable."""
        if self._engine is None:
            return
        self._stop.set()
        if self._paused or self._engine.is_paused:
            self._engine.resume()  # a paused generator cannot see the flag

    def _on_paused(self) -> None:
        self._set_paused(True)

    def _on_resumed(self) -> None:
        self._set_paused(False)

    def _set_paused(self, paused: bool) -> None:
        self._paused = paused
        self.paused_changed.emit(paused)

    def _on_event(self, event: ev.Event) -> None:
        self.engine_event.emit(event)
        if isinstance(event, _REFRESH_AFTER):
            round_index = getattr(event, "round", None)
            self.refresh(None if round_index is None else [round_index])

    def _on_engine_returned(self, result) -> None:
        if isinstance(result, EngineFailure):
            self._failure = result.exc  # shown once the session is idle again (_on_engine_finished)

    def _on_engine_error(self, exc: BaseException) -> None:
        if self._engine is not None:
            self._failure = exc
        else:
            self._report_engine_error(exc)

    def _report_engine_error(self, exc: BaseException) -> None:
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.error.emit(
            "The campaign run stopped with an error",
            f"{type(exc).__name__}: {exc}\n\nThe campaign is still open and resumes from its last committed step.",
            details,
        )

    def _on_engine_finished(self) -> None:
        """The engine's generator ended, normally or with an exception: back to idle first (buttons,
        switch interval), then the error if there was one, then run_finished."""
        self._engine = None
        failure, self._failure = self._failure, None
        sys.setswitchinterval(self._switch_interval)
        if self._paused:
            self._set_paused(False)
        self.running_changed.emit(False)
        if failure is not None:
            self._report_engine_error(failure)
        self.run_finished.emit()
        self.refresh()

    # ---- snapshots ---------------------------------------------------------------------------
    def refresh(self, rounds=None) -> None:
        """Reload the snapshot in the background: only `rounds` (indices) when given, else everything.
        Requests during a load are coalesced into one load after it."""
        if not self.is_open:
            return
        if self._reload_rounds is not None:
            self._reload_rounds = None if rounds is None else self._reload_rounds | set(rounds)
        if self._loader is not None:
            self._reload = True
            return
        changed, self._reload_rounds = self._reload_rounds, set()
        self._reload = False
        self._loading_generation = self._generation
        previous = self.snapshot if changed is not None else None
        worker = create_worker(
            load_snapshot, self.folder, self._optimum, previous, changed, _start_thread=False, _ignore_errors=True
        )
        worker.returned.connect(self._on_snapshot)
        worker.errored.connect(self._on_snapshot_error)
        worker.finished.connect(self._on_loader_finished)
        self._loader = worker
        worker.start()

    def _on_snapshot(self, snap: Snapshot) -> None:
        if self._loading_generation != self._generation:
            return
        self._optimum = snap.optimum
        self.snapshot = snap
        self.snapshot_ready.emit(snap)

    def _on_snapshot_error(self, exc: BaseException) -> None:
        self._reload_rounds = None  # the rounds that load missed: the next refresh reads everything
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.error.emit("Could not read the campaign", f"{type(exc).__name__}: {exc}", details)

    def _on_loader_finished(self) -> None:
        self._loader = None
        if self._reload:
            self.refresh([])  # the rounds (or everything) requested meanwhile are in _reload_rounds
