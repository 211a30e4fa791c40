"""Load the engine's libraries once, on a worker thread, before the user can start a round.

Importing torch initialises its C extension with the interpreter lock held for 0.5–1 s (measured on
the 2-core development machine), and RDKit, diffusers and the drawing code add their own first-use
pauses of 50–100 ms. The GUI thread needs the same lock for every paint, so whichever thread pays
these costs, the window stops repainting meanwhile. Paying them on the first Start (as the engine's
lazy imports do) froze the window for 0.7 s at the beginning of the first round of every process.

`start_warmup` pays them instead once, shortly after the main window is first shown, while the user
looks at the window or the new-campaign wizard: the same pause then falls where no round runs and
nothing moves on screen. The cyclic garbage collector is paused meanwhile (a full collection over the
million objects torch creates held the lock for up to half a second) and those objects are then frozen
out of later collections, which is what the engine thread did on its first run (see session.py).

The imports are idempotent, so an engine that starts before the warm-up ended simply finds the modules
loaded or waits for Python's import lock; a module that fails to import (an optional extra) is
skipped here and reported by the engine when it really needs it.
"""

from __future__ import annotations

import gc
import importlib
import threading
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from superqt.utils import create_worker

# What a first round imports, heaviest first. Domains and oracles import RDKit, PIL and selfies;
# depiction.py draws molecules with rdMolDraw2D on a drawing thread.
ENGINE_MODULES: tuple[str, ...] = (
    "torch",
    "diffusers",
    "diffusers.schedulers",
    "diffusers.training_utils",
    "designer_app.models.diffusion_engine",
    "designer_app.models.priors",
    "designer_app.models.molecules.prior",
    "designer_app.models.sequences.prior",
    "designer_app.models.images.prior",
    "designer_app.models.reward",
    "designer_app.models.finetune",
    "designer_app.models.evolution",
    "designer_app.domains.molecules",
    "designer_app.domains.sequences",
    "designer_app.domains.images",
    "designer_app.oracles.builtin",
    "designer_app.oracles.image_oracles",
    "designer_app.oracles.tfbind",
    "designer_app.oracles.ehrlich",
    "selfies",
    "rdkit.Chem.QED",
    "rdkit.Chem.Draw.rdMolDraw2D",
    "scipy.stats",
)


@dataclass
class WarmupReport:
    """What the warm-up loaded and what it cost.

    Attributes:
        seconds: wall time of all imports.
        loaded: modules imported (or already present), in order.
        skipped: module name -> error message, for modules that could not be imported.
    """

    seconds: float = 0.0
    loaded: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


_lock = threading.Lock()
_done = threading.Event()


def is_warm() -> bool:
    """Whether a warm-up has finished in this process (the engine then skips its own GC pause)."""
    return _done.is_set()


def warm_up(modules: tuple[str, ...] = ENGINE_MODULES) -> WarmupReport:
    """Import `modules` with the cyclic GC paused, then freeze what they created. Safe to call twice
    and from any thread; a second call returns at once with an empty report."""
    report = WarmupReport()
    with _lock:
        if _done.is_set():
            return report
        t0 = time.monotonic()
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for name in modules:
                try:
                    importlib.import_module(name)
                    report.loaded.append(name)
                except Exception as exc:  # an optional extra missing or broken: the engine will say so
                    report.skipped[name] = f"{type(exc).__name__}: {exc}"
            gc.freeze()
        finally:
            if was_enabled:
                gc.enable()
        report.seconds = time.monotonic() - t0
        _done.set()
    return report


class Warmup(QObject):
    """Runs `warm_up` on a thread of the global pool; `finished(WarmupReport)` on the GUI thread."""

    finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = None

    def start(self) -> None:
        """Start the warm-up (no-op when this object already started one; when another warm-up already
        ran, `finished` still comes, with an empty report)."""
        if self._worker is not None:
            return
        self._worker = create_worker(warm_up, _start_thread=False)
        # A method of this QObject, not finished.emit: Qt drops the connection when this object is
        # deleted first (the app's main() returns once the window closed, with the report still queued).
        self._worker.returned.connect(self._on_returned)
        self._worker.start()

    def _on_returned(self, report: WarmupReport) -> None:
        self.finished.emit(report)

    def wait(self, timeout_s: float = 60.0) -> bool:
        """Block until this object's warm-up ended (at shutdown, so the interpreter never exits under an
        import running on a pool thread); True at once when it never started."""
        return self._worker is None or _done.wait(timeout_s)
