"""Summaries, tables and plots of a benchmark (see designer_app.bench).

Metrics per run (designer_app.core.metrics), then mean ± sd over seeds per method:
- best: the best true score found (best-so-far at the end of the budget);
- top-k: mean of the k best true scores found;
- top-k AUC: PMO's area under the top-k-mean curve over oracle calls divided by the budget;
- last round: mean true score of the last round's measured batch, i.e. how good the campaign's final
  model proposes (what SEIKO's fine-tuning optimises; the other columns read only the best few items);
- regret: optimum − best (when the oracle's optimum is known);
- unique: distinct feasible designs / proposals; infeasible: proposals the domain or oracle rejected;
- s/round: mean wall seconds per round (propose + score + fit + fine-tune, from the store's timings).
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from designer_app.atomic import atomic_write_bytes
from designer_app.core import metrics


@dataclass(frozen=True)
class Stat:
    """Mean and sample standard deviation over seeds (sd 0 for one seed)."""

    mean: float
    sd: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat | None:
        values = [v for v in values if v is not None and math.isfinite(v)]
        if not values:
            return None
        return cls(statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0)

    def text(self, digits: int = 3) -> str:
        return f"{self.mean:.{digits}f} ± {self.sd:.{digits}f}"


@dataclass(frozen=True)
class RunMetrics:
    """The figures of one run."""

    best: float | None
    top_k: float | None
    top_k_auc: float
    last_round_mean: float | None
    regret: float | None
    unique_fraction: float
    infeasible_fraction: float
    seconds_per_round: float
    batch_spearman: float | None = None


@dataclass(frozen=True)
class MethodSummary:
    """One row of summary.md."""

    method: str
    n_runs: int
    best: Stat | None
    top_k: Stat | None
    top_k_auc: Stat | None
    last_round_mean: Stat | None
    regret: Stat | None
    unique_fraction: Stat | None
    infeasible_fraction: Stat | None
    seconds_per_round: Stat | None
    batch_spearman: Stat | None = None


def run_metrics(run, k: int = 10) -> RunMetrics:
    """Metrics of one bench.RunResult."""
    best_curve = metrics.best_so_far(run.values)
    best = best_curve[-1] if best_curve else None
    top = metrics.top_k_mean(run.values, k)
    per_round = [sum(r.seconds.values()) for r in run.rounds]
    last = [v for v in run.rounds[-1].scores if v is not None] if run.rounds else []
    # how well the reward model ranked each new batch before it was measured (rounds 2..K; round 1 has none)
    ranked = [r.prediction_spearman for r in run.rounds if getattr(r, "prediction_spearman", None) is not None]
    return RunMetrics(
        best=best,
        top_k=top[-1] if top else None,
        top_k_auc=metrics.top_k_auc(run.values, run.budget, k),
        last_round_mean=statistics.fmean(last) if last else None,
        regret=None if run.optimum is None or best is None else run.optimum - best,
        unique_fraction=run.unique_fraction,
        infeasible_fraction=run.infeasible_fraction,
        seconds_per_round=statistics.fmean(per_round) if per_round else 0.0,
        batch_spearman=statistics.fmean(ranked) if ranked else None,
    )


def summarise(runs: Sequence, methods: Sequence[str], k: int = 10) -> list[MethodSummary]:
    out = []
    for method in methods:
        mine = [run_metrics(r, k) for r in runs if r.method == method]
        if not mine:
            continue
        out.append(
            MethodSummary(
                method=method,
                n_runs=len(mine),
                best=Stat.of([m.best for m in mine]),
                top_k=Stat.of([m.top_k for m in mine]),
                top_k_auc=Stat.of([m.top_k_auc for m in mine]),
                last_round_mean=Stat.of([m.last_round_mean for m in mine]),
                regret=Stat.of([m.regret for m in mine]),
                unique_fraction=Stat.of([m.unique_fraction for m in mine]),
                infeasible_fraction=Stat.of([m.infeasible_fraction for m in mine]),
                seconds_per_round=Stat.of([m.seconds_per_round for m in mine]),
                batch_spearman=Stat.of([m.batch_spearman for m in mine if m.batch_spearman is not None]),
            )
        )
    return out


def markdown_table(rows: Sequence[MethodSummary], k: int = 10) -> str:
    """The summary table; the best mean of each score column is bold."""
    with_regret = any(r.regret is not None for r in rows)
    with_ranking = any(r.batch_spearman is not None for r in rows)  # runs made before it was recorded have none
    head = ["method", "runs", "best", f"top-{k} mean", f"top-{k} AUC", "last round"]
    head += ["regret"] if with_regret else []
    head += ["batch Spearman"] if with_ranking else []
    head += ["unique", "infeasible", "s/round"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    top = {
        name: max((getattr(r, name).mean for r in rows if getattr(r, name)), default=None)
        for name in ("best", "top_k", "top_k_auc", "last_round_mean")
    }

    def cell(stat: Stat | None, name: str = "", digits: int = 3) -> str:
        if stat is None:
            return "–"
        text = stat.text(digits)
        return f"**{text}**" if name and top.get(name) is not None and abs(stat.mean - top[name]) < 1e-12 else text

    for r in rows:
        cells = [
            r.method,
            str(r.n_runs),
            cell(r.best, "best"),
            cell(r.top_k, "top_k"),
            cell(r.top_k_auc, "top_k_auc"),
            cell(r.last_round_mean, "last_round_mean"),
        ]
        if with_regret:
            cells.append(cell(r.regret))
        if with_ranking:
            cells.append(cell(r.batch_spearman))
        cells += [
            cell(r.unique_fraction, digits=2),
            cell(r.infeasible_fraction, digits=2),
            cell(r.seconds_per_round, digits=1),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def curves(runs: Sequence, budget: int, k: int = 10) -> dict[str, dict[str, list[list[float]]]]:
    """Per method: best-so-far and top-k-mean curves over oracle calls 1..budget, one per seed. A run
    with fewer calls than the budget (infeasible proposals are not sent) stays flat after its last call,
    as the AUC assumes; a point before the first value is NaN."""
    out: dict[str, dict[str, list[list[float]]]] = {}
    for run in runs:
        entry = out.setdefault(run.method, {"best": [], "top": []})
        for name, curve in (("best", metrics.best_so_far(run.values)), ("top", metrics.top_k_mean(run.values, k))):
            points = [math.nan if v is None else v for v in curve[:budget]]
            points += [points[-1] if points else math.nan] * (budget - len(points))
            entry[name].append(points)
    return out


def _color(method: str) -> str:
    """A fixed colour per method, so plots of different tasks read the same."""
    from designer_app.core.methods import method_names

    names = list(method_names())
    return f"C{names.index(method) % 10}" if method in names else "black"


def plot(runs: Sequence, budget: int, out: Path, title: str, k: int = 10, batch_size: int | None = None) -> list[Path]:
    """best_so_far.png and top{k}.png: mean over seeds per method, band = ±1 sd. The y axis starts at
    the lowest curve after the first batch (the first batch is the same prior sample for every method, and
    its steep start would squash the differences); dotted lines mark the rounds."""
    import matplotlib

    matplotlib.use("Agg")  # files only: never a window, never Qt
    import matplotlib.pyplot as plt
    import numpy as np

    data = curves(runs, budget, k)
    written = []
    x = np.arange(1, budget + 1)
    for name, label, file in (("best", "best so far", "best_so_far.png"), ("top", f"top-{k} mean", f"top{k}.png")):
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
        lows: list[float] = []
        highs: list[float] = []
        for method, entry in data.items():
            y = np.array(entry[name], dtype=float)  # (seeds, budget)
            with np.errstate(all="ignore"):
                mean = np.nanmean(y, axis=0)
                sd = np.nanstd(y, axis=0)
            (line,) = ax.plot(x, mean, label=method, lw=1.6, color=_color(method))
            if len(y) > 1:
                ax.fill_between(x, mean - sd, mean + sd, color=line.get_color(), alpha=0.15, lw=0)
            if batch_size and batch_size < budget:
                lows.append(np.nanmin((mean - sd)[batch_size - 1 :]))
                highs.append(np.nanmax((mean + sd)[batch_size - 1 :]))
        if lows and all(np.isfinite(lows + highs)):
            pad = 0.05 * max(1e-9, max(highs) - min(lows))
            ax.set_ylim(min(lows) - pad, max(highs) + pad)
        for edge in range(batch_size or budget, budget, batch_size or budget):
            ax.axvline(edge + 0.5, color="grey", lw=0.6, ls=":")
        ax.set_xlabel("oracle calls")
        ax.set_ylabel(f"{label} (true score)")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        path = out / file
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def machines_line(runs: Sequence) -> str:
    """Which machines the runs were made on, with how many runs each: the methods that fine-tune replay
    bit for bit only on the same kind of machine, so a reader comparing a rerun needs to know."""
    from designer_app.environment import short

    counts = Counter(short(r.environment) for r in runs)
    made = "; ".join(f"{name}: {n} run{'s' if n != 1 else ''}" for name, n in counts.most_common())
    return f"Machines: {made}."


def write_report(spec, runs: Sequence, out: Path, spec_data: dict, command: str = "") -> None:
    """results.json, summary.md and the plots for a finished benchmark. `spec_data`: the specification as
    bench.spec_json made it when the folder was checked (it hashes the prior's weights: done once)."""

    rows = summarise(runs, spec.methods, spec.k)
    write_json(
        out / "results.json",
        {
            "spec": spec_data,
            "command": command,
            "runs": [asdict(r) for r in runs],
            "summary": [asdict(r) for r in rows],
        },
    )
    title = f"{spec.domain} / {spec.oracle}: {spec.rounds} rounds × {spec.batch_size}, {len(spec.seeds)} seed(s)"
    plots = plot(runs, spec.budget, out, title, spec.k, spec.batch_size)
    wall = sum(r.wall_seconds for r in runs)
    text = [
        f"# Benchmark: {spec.oracle} ({spec.domain})",
        "",
        f"Budget {spec.budget} oracle calls = {spec.rounds} rounds × {spec.batch_size}; seeds "
        f"{', '.join(map(str, spec.seeds))}; prior {spec.prior or 'default'}"
        + (f"; overrides `{json.dumps(spec.overrides)}`" if spec.overrides else "")
        + ".",
        f"Reproduce: `{command}`" if command else "",
        "",
        markdown_table(rows, spec.k),
        "",
        f"Mean ± sd over seeds. Total wall time {wall / 60:.1f} min.",
        "",
        machines_line(runs),
        "",
        *[f"![{p.stem}]({p.name})" for p in plots],
        "",
    ]
    (out / "summary.md").write_text("\n".join(text))


def write_json(path: Path, data: object) -> None:
    """Bench results as compact JSON (indent 1), written atomically."""
    atomic_write_bytes(path, json.dumps(data, indent=1).encode())
