"""Collect the suite's per-task summaries into the tables of docs/benchmarks.md.

    python benchmarks/collect.py --results docs/results/bench > /tmp/suite.md

For every task folder with a results.json: the command that reproduces it, the summary table (mean ± sd
over seeds), wins of seiko-ucb against each baseline by top-10 AUC and last-round mean, and links to
the plots.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import statistics
from pathlib import Path

from designer_app.bench import BenchSpec, RunResult
from designer_app.bench_report import machines_line, markdown_table, run_metrics, summarise
from designer_app.environment import short


@functools.cache
def _load(folder: Path) -> tuple[dict, BenchSpec, list[RunResult]]:
    """A bench folder's results.json, its spec and its runs; read once per folder (the tally reads each
    folder for two metrics, and the docs' task sections read the same folders)."""
    data = json.loads((folder / "results.json").read_text())
    return data, BenchSpec.from_json(data["spec"]), [RunResult.from_json(r) for r in data["runs"]]


def task_section(folder: Path, docs_root: Path) -> str:
    data, spec, runs = _load(folder)
    rows = summarise(runs, spec.methods, spec.k)
    wall = sum(r.wall_seconds for r in runs) / 60
    rel = folder.relative_to(docs_root) if folder.is_relative_to(docs_root) else folder
    lines = [
        f"### {folder.name}: `{spec.oracle}` ({spec.domain}), {spec.rounds} rounds × {spec.batch_size}, "
        f"{len(spec.seeds)} seeds",
        "",
        f"`{data['command']}`",
        "",
        markdown_table(rows, spec.k),
        "",
        _model_table(runs, spec),
        "",
        f"Wall time of the whole task: {wall:.0f} min. {_wins(runs, spec)} {machines_line(runs)}",
        "",
        f"![best so far]({rel}/best_so_far.png) ![top-10 mean]({rel}/top10.png)",
        "",
    ]
    return "\n".join(lines)


def _model_table(runs, spec) -> str:
    """How the adapted model got there: the reward model's over-estimate of its proposals (prediction gap)
    and how far fine-tuning moved it (KL to the prior); the summary's "last round" column is its result."""
    from designer_app.bench_report import Stat

    lines = ["| method | prediction gap (mean over rounds) | largest KL to prior |", "|---|---|---|"]
    for method in spec.methods:
        mine = [r for r in runs if r.method == method]
        if not mine:
            continue
        gap = Stat.of(
            [
                statistics.fmean(g)
                for r in mine
                if (g := [x.prediction_gap for x in r.rounds if x.prediction_gap is not None])
            ]
        )
        kl = Stat.of([max(k) for r in mine if (k := [x.kl_to_prior for x in r.rounds if x.kl_to_prior is not None])])
        lines.append(f"| {method} | {gap.text(3) if gap else '–'} | {kl.text(1) if kl else '–'} |")
    return "\n".join(lines)


RIVALS = ("pretrained", "greedy", "non-adaptive")  # the methods the tuning target says seiko-ucb must beat
CLEAR_T = 2.0  # paired t (seeds start from the same prior batch) above which a lead counts as clear


def _values(runs, spec, attr: str) -> dict:
    """(method, seed) -> one RunMetrics field of that run."""
    return {(r.method, r.seed): getattr(run_metrics(r, spec.k), attr) for r in runs}


def _pairs(values: dict, seeds, other: str) -> list[tuple[float, float]]:
    """(seiko-ucb, other) per seed where both runs have the figure (same seed = same first batch)."""
    pairs = [(values.get(("seiko-ucb", s)), values.get((other, s))) for s in seeds]
    return [(a, b) for a, b in pairs if a is not None and b is not None]


def _wins(runs, spec) -> str:
    """Per seed, does seiko-ucb beat each baseline, by top-10 AUC and by last-round mean?"""
    text = [
        _wins_by(_values(runs, spec, attr), spec.seeds, name)
        for name, attr in ((f"top-{spec.k} AUC", "top_k_auc"), ("last-round mean", "last_round_mean"))
    ]
    return " ".join(t for t in text if t)


def _wins_by(values: dict, seeds, name: str) -> str:
    """ "seiko-ucb's NAME beats, seed by seed: pretrained 3/3, ..." for one RunMetrics field."""
    parts = [
        f"{other} {sum(a > b for a, b in pairs)}/{len(pairs)}"
        for other in (*RIVALS, "ga")
        if (pairs := _pairs(values, seeds, other))
    ]
    return f"seiko-ucb's {name} beats, seed by seed: " + ", ".join(parts) + "." if parts else ""


def paired_t(diffs: list[float]) -> float:
    """Mean over sd/sqrt(n) of per-seed differences; +-inf when every seed differs by the same amount."""
    mean = statistics.fmean(diffs)
    sd = statistics.stdev(diffs) if len(diffs) > 1 else 0.0
    if sd == 0.0:
        return math.copysign(math.inf, mean) if mean else 0.0
    return mean / (sd / math.sqrt(len(diffs)))


def tally_table(folders: list[Path], attr: str, digits: int = 3) -> str:
    """One row per task: the mean over seeds of one RunMetrics field for seiko-ucb, its rivals and the GA
    (the largest in bold), whether seiko-ucb is above all three rivals (the tuning target), by how much, and
    whether clearly: the paired t of seiko-ucb minus each rival over seeds, the weakest of the three shown;
    a lead counts as clear when that t is at least CLEAR_T."""
    head = [
        "task",
        "size",
        "seiko-ucb",
        *RIVALS,
        "ga",
        "above all three",
        "margin over the best of them",
        "weakest paired t",
        "clearly above",
        "per-seed wins vs " + " / ".join(RIVALS),
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    above_count = clear_count = 0
    for folder in folders:
        _, spec, runs = _load(folder)
        values = _values(runs, spec, attr)
        means = {
            m: statistics.fmean(v)
            for m in ("seiko-ucb", *RIVALS, "ga")
            if (v := [values[(m, s)] for s in spec.seeds if values.get((m, s)) is not None])
        }
        top = max(means.values())
        cells = [
            f"**{means[m]:.{digits}f}**"
            if m in means and means[m] == top
            else (f"{means[m]:.{digits}f}" if m in means else "–")
            for m in ("seiko-ucb", *RIVALS, "ga")
        ]
        margin = means["seiko-ucb"] - max(means[m] for m in RIVALS)
        pairs = {m: _pairs(values, spec.seeds, m) for m in RIVALS}
        weakest = min(paired_t([a - b for a, b in pairs[m]]) for m in RIVALS)
        above, clear = margin > 0, margin > 0 and weakest >= CLEAR_T
        above_count, clear_count = above_count + above, clear_count + clear
        wins = " / ".join(f"{sum(a > b for a, b in pairs[m])}/{len(pairs[m])}" for m in RIVALS)
        size = f"{spec.rounds} × {spec.batch_size}, {len(spec.seeds)} seeds"
        lines.append(
            f"| {folder.name} | {size} | " + " | ".join(cells) + f" | {'yes' if above else 'no'} | "
            f"{margin:+.{digits}f} | {weakest:+.1f} | {'yes' if clear else 'no'} | {wins} |"
        )
    lines.append(
        f"\nseiko-ucb above pretrained, greedy and non-adaptive on {above_count} of {len(folders)} tasks; "
        f"clearly (paired t >= {CLEAR_T:g} against each) on {clear_count}."
    )
    return "\n".join(lines)


def compute_section(path: Path) -> str:
    """One domain's benchmarks/compute.py figures as tables."""
    c = json.loads(path.read_text())
    ft = c["finetune_settings"]
    # The 1-minute load average at the end includes our own single thread (about 1.0); clearly more means
    # other jobs shared the cores. The value before still carries the previous benchmark's decaying load.
    busy = c["load_average_after"][0] > 1.5
    state = (
        "other jobs were running: the seconds are inflated, the ratios are not"
        if busy
        else "no other jobs: the seconds are this machine's"
    )
    lines = [
        f"### {c['domain']} (`{path.as_posix()}`)",
        "",
        f"`OMP_NUM_THREADS=1 python benchmarks/compute.py --domain {c['domain']} ...`; machine "
        f"{short(c.get('environment'))}, torch threads "
        f"{c['torch_threads']}, {c['cpu_count']} cores, load average {c['load_average_before'][0]} before and "
        f"{c['load_average_after'][0]} after ({state}).",
        "",
        "| batch size | propose s | items/s |",
        "|---|---|---|",
        *[f"| {b} | {v['seconds']:.2f} | {v['items_per_s']:.1f} |" for b, v in c["propose_vs_batch"].items()],
        "",
        "| stored measurements | fit s |",
        "|---|---|",
        *[f"| {n} | {s:.1f} |" for n, s in c["fit_vs_stored"].items()],
        "",
        f"Fine-tune: {c['finetune_seconds_per_step']:.2f} s per step ({ft['batch_size']} trajectories × "
        f"{ft['sample_steps']} steps, gradient through the last {ft['grad_steps']}), so "
        f"{c['finetune_seconds_per_round']:.0f} s for a round of {ft['steps']} steps as `designer-app new` sets it; "
        f"it depends on neither "
        f"the batch size nor the stored measurements. Denoiser while sampling: {c['denoiser_gflops_per_s']:.2f} "
        f"GFLOP/s achieved vs {c['matmul_gflops_per_s']:.1f} GFLOP/s dense matmul in the same process = "
        f"**{100 * c['denoiser_fraction_of_matmul']:.0f} %**. Peak memory {c['peak_rss_mb']} MB; "
        f"loading the prior {c['prior_load_seconds']:.0f} s.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", default="docs/results/bench")
    p.add_argument("--docs", default="docs")
    p.add_argument("--compute", action="store_true", help="print the compute tables instead")
    p.add_argument(
        "--tally",
        default="",
        help="print the tuning-target tallies of these task folders (comma-separated names under --results) instead",
    )
    args = p.parse_args()
    if args.tally:
        folders = [Path(args.results) / name for name in args.tally.split(",")]
        for title, attr in (("Top-10 AUC", "top_k_auc"), ("Last-round mean true score", "last_round_mean")):
            print(f"{title}, mean over seeds:\n\n{tally_table(folders, attr)}\n")
        return
    if args.compute:
        for path in sorted(Path(args.results).parent.glob("compute-*.json")):
            print(compute_section(path))
        return
    for folder in sorted(Path(args.results).iterdir()):
        if (folder / "results.json").exists():
            print(task_section(folder, Path(args.docs)))


if __name__ == "__main__":
    main()
