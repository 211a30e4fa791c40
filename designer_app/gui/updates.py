"""Coalesced panel updates: events only record state, a timer applies the latest state to the widgets.

Engine events and snapshots arrive in bursts, and every widget change costs a repaint on the GUI thread
(a pyqtgraph plot with its axes ≈ 15-30 ms of Python, stretched while the engine holds the interpreter
lock). So nothing repaints per event: a panel asks for an update under a name, a later request of the
same name replaces the earlier one (only the latest state matters), and a single timer applies them.
Light updates (labels, the progress bar, log lines) are applied at every tick; heavy ones (the table,
each plot) one per tick, oldest first, so two plots never repaint in the same frame and no frame holds
the GUI thread for long.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

BUSY_MS = 250  # tick while the engine runs: each heavy panel at most every few ticks
IDLE_MS = 30  # tick otherwise: a typed score shows in the table at once


class UpdateScheduler(QObject):
    """Applies requested widget updates on a timer (see the module docstring).

    Attributes:
        applied: names of the updates applied so far, in order (tests and diagnostics read it).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._light: OrderedDict[str, Callable[[], None]] = OrderedDict()
        self._heavy: OrderedDict[str, Callable[[], None]] = OrderedDict()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(IDLE_MS)
        self._timer.timeout.connect(self._tick)
        self.applied: list[str] = []

    def set_busy(self, busy: bool) -> None:
        """While the engine runs, updates are applied at most every BUSY_MS."""
        self._timer.setInterval(BUSY_MS if busy else IDLE_MS)

    def request(self, name: str, apply: Callable[[], None], heavy: bool = False) -> None:
        """Run `apply` at the next tick (heavy: at a tick of its own), replacing a pending `name`."""
        if heavy:
            self._heavy[name] = apply  # an existing key keeps its place in the queue: no starvation
        else:
            self._light.pop(name, None)  # all light ones run each tick: in the order last requested
            self._light[name] = apply
        if not self._timer.isActive():
            self._timer.start()

    def cancel(self, name: str) -> None:
        self._light.pop(name, None)
        self._heavy.pop(name, None)

    def pending(self) -> list[str]:
        return [*self._light, *self._heavy]

    def flush(self) -> None:
        """Apply everything now (e.g. before a dialog reads the widgets)."""
        self._timer.stop()
        while self._light or self._heavy:
            self._tick(restart=False)

    def _tick(self, restart: bool = True) -> None:
        light, self._light = self._light, OrderedDict()
        for name, apply in light.items():
            self.applied.append(name)
            apply()
        if self._heavy:
            name, apply = self._heavy.popitem(last=False)
            self.applied.append(name)
            apply()
        del self.applied[:-1000]  # bounded: a long campaign must not grow it forever
        if restart and (self._light or self._heavy):
            self._timer.start()
