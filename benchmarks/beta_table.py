"""The table of docs/benchmarks.md (Defaults, session 12): seiko-ucb with β = 1, 2 and 3 on the DNA tasks.

    python benchmarks/beta_table.py > /tmp/beta.md

Every β's seiko-ucb runs are paired, seed by seed, with the greedy, non-adaptive and prior runs of
docs/results/bench (β does not enter those methods, and a seed draws the same first batch for all), so each
row says how far that β puts seiko-ucb ahead of greedy and whether it is clearly above all three rivals.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from collect import CLEAR_T, RIVALS, _load, _pairs, _values, paired_t

BENCH = Path("docs/results/bench")
# β -> (folder of the suite's 4 x 64 runs, folder of the 4 x 128 runs)
VARIANTS = {
    "β = 1": (Path("docs/results/beta-1-suite"), Path("docs/results/beta-1-at-20-seeds")),
    "β = 2 (shipped)": (BENCH, BENCH),
    "β = 3 (session 11)": (Path("docs/results/bench-beta-3"), Path("docs/results/bench-beta-3")),
}
SIZES = (("", "4 × 64"), ("-128", "4 × 128"))


def row(task: str, size: str, beta: str, rivals: Path, variant: Path) -> str:
    """One β on one task: the variant folder's seiko-ucb runs against the rivals of `rivals`."""
    _, spec, rival_runs = _load(rivals)
    _, _, variant_runs = _load(variant)
    seeds = sorted(r.seed for r in variant_runs if r.method == "seiko-ucb")

    def figures(attr: str) -> tuple[dict, list[float]]:
        # the variant's seiko-ucb replaces the rivals folder's own under the same (method, seed) keys
        values = {**_values(rival_runs, spec, attr), **_values(variant_runs, spec, attr)}
        return values, [values[("seiko-ucb", s)] for s in seeds]

    def versus_greedy(attr: str) -> str:
        values, mine = figures(attr)
        diffs = [a - b for a, b in _pairs(values, seeds, "greedy")]
        return (
            f"{statistics.fmean(mine):.3f} | {statistics.fmean(diffs):+.3f} (t {paired_t(diffs):+.1f}, "
            f"{sum(d > 0 for d in diffs)}/{len(diffs)})"
        )

    auc_values, _ = figures("top_k_auc")
    weakest = min(paired_t([a - b for a, b in _pairs(auc_values, seeds, m)]) for m in RIVALS)
    clear = " (clear)" if weakest >= CLEAR_T else ""
    _, unique = figures("unique_fraction")
    auc, last = versus_greedy("top_k_auc"), versus_greedy("last_round_mean")
    return (
        f"| {task} | {size}, {seeds[0]}–{seeds[-1]} | {beta} | {auc} | {weakest:+.1f}{clear} | {last} | "
        f"{statistics.fmean(unique):.2f} |"
    )


def main() -> None:
    print("| task | seeds | β | top-10 AUC | vs greedy | weakest t vs the three | last round | vs greedy | unique |")
    print("|---|---|---|---|---|---|---|---|---|")
    for suffix, size in SIZES:
        for tf in ("six6", "vax2", "crx"):
            name = f"tfbind8-{tf}{suffix}"
            for beta, folders in VARIANTS.items():
                variant = folders[1 if suffix else 0] / name
                if (variant / "results.json").exists():
                    print(row(tf.upper(), size, beta, BENCH / name, variant))


if __name__ == "__main__":
    main()
