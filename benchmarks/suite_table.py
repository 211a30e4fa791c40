"""The table of docs/benchmarks.md: every suite task, every method, top-10 AUC with paired-seed statistics.

    python benchmarks/suite_table.py --results /work/suite-runs [--tasks fexofenadine-mpo,tfbind8-six6]
    python benchmarks/suite_table.py --results /work/suite-runs --copy docs/results/suite

Reads each task folder's finished runs (runs/*.json, so a task still running shows the seeds it has) and
prints, per task: the mean top-10 AUC of each method over seeds (the largest in bold), seiko-ucb's paired
difference to each other method over the seeds both ran (mean and paired t, seeds start from the same
prior batch) and its per-seed wins, the reward model's batch Spearman in seiko-ucb's last three rounds,
and the oracle calls each method spent (all of the budget = no call wasted on a repeat). `--copy` writes
the compact outputs a doc may cite (summary.md and the plots, never runs/) into the given folder.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
from pathlib import Path

from designer_app.bench import RunResult
from designer_app.bench_report import run_metrics

ORDER = ("seiko-ucb", "greedy", "pretrained", "screen", "graph-ga", "ga")


def load_runs(folder: Path) -> tuple[dict, list[RunResult]]:
    spec = json.loads((folder / "spec.json").read_text())
    runs = [RunResult.from_json(json.loads(p.read_text())) for p in sorted((folder / "runs").glob("*.json"))]
    return spec, runs


def paired_t(diffs: list[float]) -> float:
    """Mean over sd / sqrt(n) of per-seed differences (inf when every seed differs by the same amount)."""
    if len(diffs) < 2:
        return math.nan
    sd = statistics.stdev(diffs)
    mean = statistics.fmean(diffs)
    return math.copysign(math.inf, mean) if sd == 0 else mean / (sd / math.sqrt(len(diffs)))


def task_rows(folder: Path, k: int = 10) -> dict:
    spec, runs = load_runs(folder)
    auc: dict[tuple[str, int], float] = {}
    calls: dict[str, list[int]] = {}
    spearman: list[float] = []
    for run in runs:
        m = run_metrics(run, k)
        auc[(run.method, run.seed)] = m.top_k_auc
        calls.setdefault(run.method, []).append(len(run.values))  # every oracle call, failed ones included
        if run.method == "seiko-ucb":
            spearman += [r.prediction_spearman for r in run.rounds[-3:] if r.prediction_spearman is not None]
    methods = [m for m in ORDER if any(key[0] == m for key in auc)]
    means = {m: statistics.fmean(v for (mm, _), v in auc.items() if mm == m) for m in methods}
    seeds = {m: sorted(s for (mm, s) in auc if mm == m) for m in methods}
    versus = {}
    for other in methods:
        if other == "seiko-ucb" or "seiko-ucb" not in methods:
            continue
        both = [s for s in seeds["seiko-ucb"] if (other, s) in auc]
        diffs = [auc[("seiko-ucb", s)] - auc[(other, s)] for s in both]
        if diffs:
            versus[other] = (statistics.fmean(diffs), paired_t(diffs), sum(d > 0 for d in diffs), len(diffs))
    return {
        "task": folder.name,
        "oracle": spec["oracle"],
        "budget": spec["budget"],
        "batch": spec["batch_size"],
        "methods": methods,
        "means": means,
        "seeds": {m: len(seeds[m]) for m in methods},
        "versus": versus,
        "spearman": statistics.fmean(spearman) if spearman else None,
        "calls": {m: (min(c), max(c)) for m, c in calls.items()},
    }


def _cell(row: dict, method: str) -> str:
    """A method's mean AUC, bold when it is the task's best, with its seed count when it has fewer."""
    if method not in row["means"]:
        return "–"
    text = f"{row['means'][method]:.3f}"
    text = f"**{text}**" if row["means"][method] == max(row["means"].values()) else text
    return text if row["seeds"][method] == max(row["seeds"].values()) else f"{text} ({row['seeds'][method]} seeds)"


def markdown(rows: list[dict]) -> str:
    head = "| task | calls | seiko-ucb | greedy | pretrained | screen | graph-ga / ga "
    head += "| seiko-ucb − each (paired t, wins) | batch Spearman |"
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        if not r["means"]:
            continue
        ga = "graph-ga" if "graph-ga" in r["means"] else "ga"
        vs = "; ".join(f"{o} {d:+.3f} (t {t:+.1f}, {w}/{n})" for o, (d, t, w, n) in r["versus"].items() if n)
        spear = "–" if r["spearman"] is None else f"{r['spearman']:.2f}"
        seeds = max(r["seeds"].values())
        lines.append(
            f"| {r['task']} | {r['budget']} = {r['budget'] // r['batch']} × {r['batch']}, {seeds} seeds | "
            + " | ".join(_cell(r, m) for m in ("seiko-ucb", "greedy", "pretrained", "screen", ga))
            + f" | {vs} | {spear} |"
        )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", required=True)
    p.add_argument("--tasks", default="", help="comma-separated task folders (default: every one with runs)")
    p.add_argument("--copy", default="", help="copy each task's summary.md and plots here")
    args = p.parse_args()
    root = Path(args.results)
    names = args.tasks.split(",") if args.tasks else sorted(p.name for p in root.iterdir() if (p / "runs").is_dir())
    rows = [task_rows(root / n) for n in names if (root / n / "runs").is_dir()]
    print(markdown(rows))
    for r in rows:
        spent = ", ".join(f"{m} {lo}" + (f"-{hi}" if hi != lo else "") for m, (lo, hi) in r["calls"].items())
        print(f"\n{r['task']}: oracle calls per run: {spent} (budget {r['budget']})", end="")
    print()
    if args.copy:
        for n in names:
            out = Path(args.copy) / n
            out.mkdir(parents=True, exist_ok=True)
            for f in (root / n).glob("*"):
                if f.suffix in (".md", ".png"):
                    shutil.copy2(f, out / f.name)


if __name__ == "__main__":
    main()
