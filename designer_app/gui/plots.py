"""pyqtgraph plots: reward distribution per round, best-so-far and regret vs oracle calls, and live
fine-tuning curves.

Each plot keeps its items and only changes what is new: a round's box is redrawn when that round's
scores changed, curves get `setData` with the full (short) arrays, fine-tuning points are appended.
Nothing is cleared and rebuilt on every event.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from designer_app import events as ev
from designer_app.core import metrics
from designer_app.gui.snapshot import Snapshot

# No antialiasing: it makes every repaint several times slower, and repaints run on the GUI thread
# while the engine competes for the CPU (measured with benchmarks/gui_stall.py).
pg.setConfigOptions(background="w", foreground="k", antialias=False)
_REDRAW_MS = 500  # live fine-tuning curves repaint at most twice a second, however fast steps come
# (no grid lines either: axes draw them as long ticks on every repaint)

_BLUE, _ORANGE, _GREEN, _RED = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"


def _nan(values) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def box_path(x: float, values: list[float], half: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Outline of a box plot at `x` (quartile box, median bar, min-max whiskers) as one polyline
    whose NaNs separate the pieces, so a round is a single plot item."""
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    lo, hi = min(values), max(values)
    n = math.nan
    xs = [x - half, x + half, x + half, x - half, x - half, n, x - half, x + half, n, x, x, n, x, x, n,
          x - half / 2, x + half / 2, n, x - half / 2, x + half / 2]
    ys = [q1, q1, q3, q3, q1, n, med, med, n, q3, hi, n, q1, lo, n, hi, hi, n, lo, lo]
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


class RewardDistributionPlot(QWidget):
    """True scores of each round as a box plot with the individual points over it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "round")
        self.plot.getAxis("bottom").setTickSpacing(1, 1)  # rounds are whole numbers
        self.plot.setLabel("left", "score")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot)
        self._values: dict[int, tuple[float, ...]] = {}
        self._items: dict[int, tuple[pg.PlotDataItem, pg.ScatterPlotItem]] = {}

    def update_from(self, snap: Snapshot) -> None:
        per_round: dict[int, list[float]] = {r.index: [] for r in snap.rounds}
        for c in snap.candidates:
            if c.duplicate_of is None and c.score is not None and math.isfinite(c.score):
                per_round.setdefault(c.round, []).append(c.score)
        for r in [r for r in self._items if r not in per_round]:
            self._remove(r)
        for r, values in per_round.items():
            key = tuple(values)
            if self._values.get(r) == key:
                continue  # unchanged round: leave its items alone
            self._values[r] = key
            self._draw(r, values)

    def _draw(self, r: int, values: list[float]) -> None:
        if r not in self._items:
            box = self.plot.plot(pen=pg.mkPen(_BLUE, width=2), connect="finite")
            dots = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(_ORANGE + "99"), pen=None)
            self.plot.addItem(dots)
            self._items[r] = (box, dots)
        box, dots = self._items[r]
        if not values:
            box.setData([], [])
            dots.setData([], [])
            return
        # Deterministic jitter, so a redraw does not make the points dance.
        jitter = (np.arange(len(values)) * 0.618034 % 1.0 - 0.5) * 0.4
        dots.setData(r + jitter, values)
        if len(values) >= 2:
            box.setData(*box_path(r, values))
        else:
            box.setData([r - 0.3, r + 0.3], [values[0], values[0]])

    def _remove(self, r: int) -> None:
        for item in self._items.pop(r):
            self.plot.removeItem(item)
        self._values.pop(r, None)

    def clear(self) -> None:
        for r in list(self._items):
            self._remove(r)
        self.plot.enableAutoRange()

    def point_count(self) -> int:
        return sum(len(v) for v in self._values.values())


class RegretPlot(QWidget):
    """Best-so-far (and every measured score) vs oracle calls; simple regret when the optimum is known."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.best_plot = self.view.addPlot(row=0, col=0)
        self.best_plot.setLabel("left", "best so far")
        self.best_plot.addLegend(offset=(-10, 10))
        self.regret_plot = self.view.addPlot(row=1, col=0)
        self.regret_plot.setLabel("left", "simple regret")
        self.regret_plot.setLabel("bottom", "oracle calls")
        self.regret_plot.setXLink(self.best_plot)
        self.scores = self.best_plot.plot(pen=None, symbol="o", symbolSize=4, symbolBrush=_ORANGE + "88",
                                          symbolPen=None, name="measured")
        self.best = self.best_plot.plot(pen=pg.mkPen(_BLUE, width=2), stepMode=None, name="best so far",
                                        connect="finite")
        self.regret = self.regret_plot.plot(pen=pg.mkPen(_RED, width=2), connect="finite")
        self.note = QLabel("Simple regret needs the oracle's optimum (set one in the campaign's oracle).")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view)
        layout.addWidget(self.note)
        self._key: tuple | None = None

    def update_from(self, snap: Snapshot) -> None:
        seq = snap.measured
        key = (tuple(seq), snap.optimum)
        if key == self._key:
            return
        self._key = key
        x = np.arange(1, len(seq) + 1, dtype=float)
        self.scores.setData(x, _nan(seq))
        self.best.setData(x, _nan(metrics.best_so_far(seq)))
        known = snap.optimum is not None
        self.regret_plot.setVisible(known)
        self.note.setVisible(not known)
        self.regret.setData(x, _nan(metrics.simple_regret(snap.optimum, seq)) if known else [])

    def clear(self) -> None:
        self._key = None
        for item in (self.scores, self.best, self.regret):
            item.setData([], [])
        self.best_plot.enableAutoRange()
        self.regret_plot.enableAutoRange()


class TrainingPlot(QWidget):
    """Fine-tuning as it happens: optimistic reward, KL to the anchor and loss per optimiser step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.plots = {}
        self.curves = {}
        for row, (name, colour) in enumerate((("reward", _GREEN), ("KL", _BLUE), ("loss", _RED))):
            plot = self.view.addPlot(row=row, col=0)
            plot.setLabel("left", name)
            if row:
                plot.setXLink(self.plots["reward"])
            self.plots[name] = plot
            self.curves[name] = plot.plot(pen=pg.mkPen(colour, width=2))
        self.plots["loss"].setLabel("bottom", "fine-tuning step (all rounds)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view)
        self._data: dict[str, list[float]] = {"reward": [], "KL": [], "loss": []}
        self._round: int | None = None
        self._marks: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        # Steps can arrive faster than a repaint takes; points are stored at once, drawn in batches.
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(_REDRAW_MS)
        self._redraw.timeout.connect(self.redraw)

    def add(self, event: ev.FinetuneProgress) -> None:
        if event.round != self._round:
            self._round = event.round
            self._mark_round(len(self._data["reward"]), event.round)
        for name, value in (("reward", event.reward), ("KL", event.kl), ("loss", event.loss)):
            self._data[name].append(value)
        if not self._redraw.isActive():
            self._redraw.start()

    def redraw(self) -> None:
        for name, values in self._data.items():
            self.curves[name].setData(np.asarray(values, dtype=float))

    def drawn_steps(self) -> int:
        x, _ = self.curves["reward"].getData()
        return 0 if x is None else len(x)

    def _mark_round(self, x: int, round_index: int) -> None:
        for name, plot in self.plots.items():
            line = pg.InfiniteLine(pos=x, angle=90, pen=pg.mkPen("#999999", style=pg.QtCore.Qt.PenStyle.DashLine),
                                   label=f"round {round_index}" if name == "reward" else None,
                                   labelOpts={"position": 0.9, "color": "#666666"})
            plot.addItem(line)
            self._marks.append((plot, line))

    def steps(self) -> int:
        return len(self._data["reward"])

    def clear(self) -> None:
        for plot, line in self._marks:
            plot.removeItem(line)
        self._marks.clear()
        self._round = None
        self._redraw.stop()
        for name in self._data:
            self._data[name].clear()
            self.curves[name].setData([])
            self.plots[name].enableAutoRange()  # forget the previous campaign's axes
