"""The table of docs/benchmarks.md (Defaults, session 12): seiko-ucb with β = 1, 2 and 3 on the DNA tasks.

    python benchmarks/beta_table.py > /tmp/beta.md

Every β's seiko-ucb runs are paired, seed by seed, with the greedy, non-adaptive and prior runs of
docs/results/bench (β does not enter those methods, and a seed draws the same first batch for all), so each
row says how far that β puts seiko-ucb ahead of greedy and whether it is clearly above all three rivals.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from collect import RIVALS, _load, paired_t

from designer_app.bench_report import run_metrics

BENCH = Path("docs/results/bench")
# β -> (folder of the suite's 4 x 64 runs, folder of the 4 x 128 runs)
VARIANTS = {
    "β = 1": (Path("docs/results/beta-1-suite"), Path("docs/results/beta-1-at-20-seeds")),
    "β = 2 (shipped)": (BENCH, BENCH),
    "β = 3 (session 11)": (Path("docs/results/bench-beta-3"), Path("docs/results/bench-beta-3")),
}
SIZES = (("", "4 × 64"), ("-128", "4 × 128"))


def by_seed(runs, method: str) -> dict:
    """seed -> RunMetrics of one method's runs."""
    return {r.seed: run_metrics(r, 10) for r in runs if r.method == method}


def row(task: str, size: str, beta: str, ucb: dict, rivals: dict) -> str:
    seeds = sorted(ucb)

    def versus(attr: str, method: str) -> tuple[float, float, int]:
        diffs = [getattr(ucb[s], attr) - getattr(rivals[method][s], attr) for s in seeds]
        return statistics.fmean(diffs), paired_t(diffs), sum(d > 0 for d in diffs)

    def mean(attr: str) -> float:
        return statistics.fmean(getattr(ucb[s], attr) for s in seeds)

    auc, auc_t, auc_wins = versus("top_k_auc", "greedy")
    last, last_t, last_wins = versus("last_round_mean", "greedy")
    weakest = min(versus("top_k_auc", m)[1] for m in RIVALS)
    clear = " (clear)" if weakest >= 2 else ""
    n = len(seeds)
    return (f"| {task} | {size}, {seeds[0]}–{seeds[-1]} | {beta} | {mean('top_k_auc'):.3f} | "
            f"{auc:+.3f} (t {auc_t:+.1f}, {auc_wins}/{n}) | {weakest:+.1f}{clear} | {mean('last_round_mean'):.3f} | "
            f"{last:+.3f} (t {last_t:+.1f}, {last_wins}/{n}) | {mean('unique_fraction'):.2f} |")


def main() -> None:
    print("| task | seeds | β | top-10 AUC | vs greedy | weakest t vs the three | last round | vs greedy | unique |")
    print("|---|---|---|---|---|---|---|---|---|")
    for suffix, size in SIZES:
        for tf in ("six6", "vax2", "crx"):
            _, _, runs = _load(BENCH / f"tfbind8-{tf}{suffix}")
            rivals = {m: by_seed(runs, m) for m in RIVALS}
            for beta, folders in VARIANTS.items():
                folder = folders[1 if suffix else 0] / f"tfbind8-{tf}{suffix}"
                if (folder / "results.json").exists():
                    print(row(tf.upper(), size, beta, by_seed(_load(folder)[2], "seiko-ucb"), rivals))


if __name__ == "__main__":
    main()
