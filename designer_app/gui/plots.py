"""pyqtgraph plots: reward distribution per round, best-so-far and regret vs oracle calls, and live
fine-tuning curves.

Each plot keeps its items and only changes what is new: a round's box is redrawn when that round's
scores changed, curves get `setData` on their existing items, fine-tuning points are buffered and drawn
when the window's update timer says so (see updates.py). Nothing is cleared and rebuilt per event.

Repainting the axes is the expensive part of a pyqtgraph repaint (tick texts are laid out in Python),
and pyqtgraph's auto-range changes the range, hence repaints every axis, on every new point. So the
plots keep their own "sticky" range (`RangeKeeper`): it stays put while the data fit and grows with
headroom when they do not, so most updates repaint only the curves. Panning or zooming by hand stops
the following; the plot's "A" button resumes it.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from designer_app import events as ev
from designer_app.core import metrics
from designer_app.gui.snapshot import Snapshot

# No antialiasing and no grid lines: both make every repaint several times slower, and repaints run
# on the GUI thread while the engine competes for the CPU (measured with benchmarks/gui_stall.py).
pg.setConfigOptions(background="w", foreground="k", antialias=False)

_BLUE, _ORANGE, _GREEN, _RED = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"


def _nan(values) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def box_path(x: float, values: list[float], half: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Outline of a box plot at `x` (quartile box, median bar, min-max whiskers) as one polyline
    whose NaNs separate the pieces, so a round is a single plot item."""
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    lo, hi = min(values), max(values)
    n = math.nan
    xs = [
        x - half,
        x + half,
        x + half,
        x - half,
        x - half,
        n,
        x - half,
        x + half,
        n,
        x,
        x,
        n,
        x,
        x,
        n,
        x - half / 2,
        x + half / 2,
        n,
        x - half / 2,
        x + half / 2,
    ]
    ys = [q1, q1, q3, q3, q1, n, med, med, n, q3, hi, n, q1, lo, n, hi, hi, n, lo, lo]
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def sticky_span(lo: float, hi: float, data_lo: float, data_hi: float, pad: float = 0.25) -> tuple[float, float] | None:
    """A new (lo, hi) when the data leave [lo, hi] or fill less than a quarter of it, else None
    (keep the range). The new range has `pad` of the data span free on each side, and at least 5 %
    of the data's magnitude, so the first few nearly equal points do not pin a range the next one
    leaves at once."""
    if not (math.isfinite(data_lo) and math.isfinite(data_hi)):
        return None
    span = data_hi - data_lo
    margin = max(pad * span, 0.05 * max(abs(data_lo), abs(data_hi)), 1e-6)
    inside = lo <= data_lo and data_hi <= hi
    if inside and (hi - lo) <= 4 * (span + 2 * margin):
        return None
    return data_lo - margin, data_hi + margin


_AXIS_WIDTH = 52  # fixed left-axis width: new tick labels then never re-lay out the plots, and x-linked
# plots keep identical pixel widths (pyqtgraph otherwise shifts their x ranges to align the pixels)


class RangeKeeper:
    """Keeps a plot's view range while the data fit in it (see the module docstring).

    `x_linked`: the plot's x range follows another plot's (setXLink); only y is kept here."""

    def __init__(self, plot: pg.PlotItem, x_start: float = 0.0, x_linked: bool = False) -> None:
        self.plot = plot
        self.view = plot.getViewBox()
        self.x_start = x_start
        self.x_linked = x_linked
        plot.getAxis("left").setWidth(_AXIS_WIDTH)
        self.follow = True
        self.changes = 0  # how often the range (and so every axis) had to change
        self.view.disableAutoRange()
        self.view.sigRangeChangedManually.connect(self._manual)

    def _manual(self, *args) -> None:
        self.follow = False

    def reset(self) -> None:
        self.follow = True
        self.view.disableAutoRange()

    def fit(self, x_max: float, y_lo: float, y_hi: float, x_min: float | None = None) -> None:
        """Make the range hold x in [x_min or x_start, x_max] and y in [y_lo, y_hi]."""
        if any(self.view.autoRangeEnabled()):  # the user pressed "A": follow the data again
            self.view.disableAutoRange()
            self.follow = True
        if not self.follow or not math.isfinite(x_max):
            return
        (x0, x1), (y0, y1) = self.view.viewRange()
        x_lo = self.x_start if x_min is None else x_min
        new_x = None
        if not self.x_linked and (x_max > x1 or abs(x0 - x_lo) > 0.05 * (x1 - x0)):
            new_x = (x_lo, max(x_max * 1.5, x_max + 10) if x_min is None else x_max)  # grows rarely
        new_y = sticky_span(y0, y1, y_lo, y_hi)
        if new_x is None and new_y is None:
            return
        self.changes += 1
        if new_x is None:
            self.view.setYRange(*new_y, padding=0)
        else:
            self.view.setRange(xRange=new_x, yRange=new_y or (y0, y1), padding=0)


def _finite_bounds(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (math.nan, math.nan)


class RewardDistributionPlot(QWidget):
    """True scores of each round as a box plot with the individual points over it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "round")
        self.plot.getAxis("bottom").setTickSpacing(1, 1)  # rounds are whole numbers
        self.plot.setLabel("left", "score")
        self.range = RangeKeeper(self.plot.getPlotItem(), x_start=0.5)
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
        scores = np.array([v for values in per_round.values() for v in values], dtype=float)
        if scores.size:
            self.range.fit(max(per_round) + 0.5, *_finite_bounds(scores), x_min=0.5)

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
        self.range.reset()

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
        self.best_plot.hideAxis("bottom")  # x-linked: the lower plot's axis says it for both
        self.scores = self.best_plot.plot(
            pen=None, symbol="o", symbolSize=4, symbolBrush=_ORANGE + "88", symbolPen=None, name="measured"
        )
        self.best = self.best_plot.plot(
            pen=pg.mkPen(_BLUE, width=2), stepMode=None, name="best so far", connect="finite"
        )
        self.regret = self.regret_plot.plot(pen=pg.mkPen(_RED, width=2), connect="finite")
        self.ranges = (RangeKeeper(self.best_plot), RangeKeeper(self.regret_plot, x_linked=True))
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
        scores = _nan(seq)
        self.scores.setData(x, scores)
        self.best.setData(x, _nan(metrics.best_so_far(seq)))
        known = snap.optimum is not None
        self.regret_plot.setVisible(known)
        self.best_plot.showAxis("bottom", not known)
        self.note.setVisible(not known)
        regret = _nan(metrics.simple_regret(snap.optimum, seq)) if known else np.array([])
        self.regret.setData(x[: len(regret)], regret)
        if len(seq):
            self.ranges[0].fit(float(len(seq)), *_finite_bounds(scores))
            if known:
                self.ranges[1].fit(float(len(seq)), *_finite_bounds(regret))

    def clear(self) -> None:
        self._key = None
        for item in (self.scores, self.best, self.regret):
            item.setData([], [])
        for keeper in self.ranges:
            keeper.reset()


class TrainingPlot(QWidget):
    """Fine-tuning as it happens: optimistic reward, KL to the anchor and loss per optimiser step.

    `add` only stores a step; `redraw` (called by the window's update timer, one curve per tick)
    draws what is new."""

    NAMES = ("reward", "KL", "loss")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotCurveItem] = {}
        self.ranges: dict[str, RangeKeeper] = {}
        for row, (name, colour) in enumerate(zip(self.NAMES, (_GREEN, _BLUE, _RED))):
            plot = self.view.addPlot(row=row, col=0)
            plot.setLabel("left", name)
            if row:
                plot.setXLink(self.plots["reward"])
            if row < len(self.NAMES) - 1:
                plot.hideAxis("bottom")  # x-linked: only the lowest plot draws the step axis
            self.plots[name] = plot
            # A bare curve item: PlotDataItem's setData (format detection, down-sampling, bounds of
            # every dataset) costs more Python per update than drawing the curve does.
            self.curves[name] = pg.PlotCurveItem(pen=pg.mkPen(colour, width=2))
            plot.addItem(self.curves[name])
            self.ranges[name] = RangeKeeper(plot, x_linked=row > 0)
        self.plots["loss"].setLabel("bottom", "fine-tuning step (all rounds)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view)
        # Growing buffers (capacity doubles), so a redraw hands pyqtgraph views instead of converting
        # ever longer lists.
        self._data = np.zeros((len(self.NAMES), 256), dtype=float)
        self._n = 0
        self._x_end = 0  # last step of the round being fine-tuned
        self._drawn = dict.fromkeys(self.NAMES, 0)  # steps drawn per curve
        self._round: int | None = None
        self._marks: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self._pending_marks: list[tuple[int, int]] = []
        self._starts: list[tuple[int, int]] = []  # (first step, round) of every round shown

    def add(self, event: ev.FinetuneProgress) -> None:
        """Store one step (cheap: no drawing)."""
        if event.round != self._round:
            self._round = event.round
            self._pending_marks.append((self._n, event.round))
            self._starts.append((self._n, event.round))
            # The step axis reaches the end of this round's fine-tuning at once, so it does not
            # change (and repaint every axis) again before the next round.
            self._x_end = max(self._x_end, self._n + event.total_steps - event.step + 1)
        if self._n == self._data.shape[1]:
            self._data = np.concatenate([self._data, np.zeros_like(self._data)], axis=1)
        self._data[:, self._n] = (event.reward, event.kl, event.loss)
        self._n += 1

    def dirty(self, name: str | None = None) -> bool:
        """Whether steps stored since the last redraw (of curve `name`) wait to be drawn."""
        names = self.NAMES if name is None else (name,)
        return any(self._drawn[n] != self._n for n in names) or bool(self._pending_marks)

    def redraw(self, name: str | None = None) -> None:
        """Draw the steps stored since the last redraw: one curve (`name`), so that the window's update
        timer can repaint the three plots at separate ticks, or all of them. setData on the existing
        curve items."""
        if self._pending_marks:
            for x, round_index in self._pending_marks:
                self._mark_round(x, round_index)
            self._pending_marks.clear()
        n = self._n
        for i, curve in enumerate(self.NAMES):
            if (name is None or curve == name) and self._drawn[curve] != n:
                values = self._data[i, :n]
                self.curves[curve].setData(values)
                self.ranges[curve].fit(float(max(n, self._x_end)), *_finite_bounds(values), x_min=0.0)
                self._drawn[curve] = n

    def drop_rounds(self, first: int) -> None:
        """Forget the steps of round `first` and later ones: a rollback discarded the models they
        trained, and the plot must not show curves of models the campaign no longer has. The next
        `redraw` draws what is left."""
        cut = min((x for x, r in self._starts if r >= first), default=None)
        if cut is None:
            return
        if cut == 0:
            self.clear()  # nothing left to draw
            return
        self._starts = [(x, r) for x, r in self._starts if x < cut]
        self._pending_marks = [(x, r) for x, r in self._pending_marks if x < cut]
        for plot, line in [m for m in self._marks if m[1].value() >= cut]:
            plot.removeItem(line)
        self._marks = [m for m in self._marks if m[1].value() < cut]
        self._n = self._x_end = cut
        self._round = None  # the next step starts a round again, with its mark
        for name in self.NAMES:
            self._drawn[name] = -1  # redraw every curve, even one already drawn up to `cut`

    def drawn_steps(self) -> int:
        x, _ = self.curves["reward"].getData()
        return 0 if x is None else len(x)

    def _mark_round(self, x: int, round_index: int) -> None:
        for name, plot in self.plots.items():
            line = pg.InfiniteLine(
                pos=x,
                angle=90,
                pen=pg.mkPen("#999999", style=pg.QtCore.Qt.PenStyle.DashLine),
                label=f"round {round_index}" if name == "reward" else None,
                labelOpts={"position": 0.9, "color": "#666666"},
            )
            plot.addItem(line)
            self._marks.append((plot, line))

    def steps(self) -> int:
        return self._n

    def clear(self) -> None:
        for plot, line in self._marks:
            plot.removeItem(line)
        self._marks.clear()
        self._pending_marks.clear()
        self._starts.clear()
        self._round = None
        self._n = self._x_end = 0
        self._drawn = dict.fromkeys(self.NAMES, 0)
        for name in self.NAMES:
            self.curves[name].setData([])
            self.ranges[name].reset()  # forget the previous campaign's axes
