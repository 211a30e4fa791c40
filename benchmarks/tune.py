"""Default tuning: seiko-ucb under a few settings on one suite task, each a `designer-app bench` run.

    OMP_NUM_THREADS=1 python benchmarks/tune.py --task tfbind8-six6 --out docs/results/tuning

Each variant is the task's bench command with `--methods seiko-ucb` and extra `--set` overrides, written to
<out>/<task>/<variant>/; the table compares them with the suite's own seiko-ucb, greedy and pretrained rows.
Rerunning resumes (finished runs are reused).

A setting every fine-tuning method uses (K, the anchor) moves greedy too, so it is measured with
`--methods greedy,seiko-ucb`: each variant then runs both, the `default` variant reruns both unchanged on
this machine (fine-tuned runs replay only on the same kind of CPU), and a second table gives seiko-ucb's
paired lead over greedy in each variant and each method's change against `default`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from collect import paired_t
from suite import TASKS

from designer_app.bench import RunResult
from designer_app.bench_report import markdown_table, run_metrics, summarise

# The suite showed seiko-ucb moving the proposal distribution too slowly (DNA: last-round mean 0.52 vs
# the GA's 0.68), so the variants move it faster (more steps, higher learning rate, weaker KL) or change
# how optimistic it is (beta).
VARIANTS: dict[str, tuple[str, ...]] = {
    "steps-40": ("--set", "finetune.steps=40"),
    "lr-3e-3": ("--set", "finetune.lr=0.003"),
    "alpha-0.001": ("--set", "alpha=0.001"),
    "beta-3": ("--set", "beta=3.0"),
    "beta-0.3": ("--set", "beta=0.3"),
    "beta-0.1": ("--set", "beta=0.1"),
    "alpha-0.01": ("--set", "alpha=0.01"),
    "alpha-0.01-beta-0.3": ("--set", "alpha=0.01", "--set", "beta=0.3"),
    # session 13: the settings no session had measured; they enter greedy's fine-tuning as well
    "default": (),
    "k-2": ("--set", "finetune.grad_steps=2"),
    "k-10": ("--set", "finetune.grad_steps=10"),
    "anchor-prior": ("--set", "anchor=prior"),
}


def _runs(folder: Path, label: str | None = None) -> list[RunResult]:
    runs = []
    for path in sorted((folder / "runs").glob("*.json")):
        run = RunResult.from_json(json.loads(path.read_text()))
        if label:
            run = RunResult(**{**run.__dict__, "method": label})
        runs.append(run)
    return runs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", default="tfbind8-six6")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--suite", default="docs/results/bench")
    p.add_argument("--out", default="docs/results/tuning")
    p.add_argument(
        "--methods", default="seiko-ucb", help="greedy,seiko-ucb for a setting greedy uses too (adds the paired table)"
    )
    args = p.parse_args()
    task = TASKS[args.task]
    labels = [v for v in args.variants.split(",") if v]
    for label in labels:
        argv = task.argv(Path(args.out) / task.name, args.methods)
        argv[argv.index("--out") + 1] = str(Path(args.out) / task.name / label)
        argv += list(VARIANTS[label])  # later --set wins over the suite's finetune.steps=20
        print("designer-app " + " ".join(argv), flush=True)
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        subprocess.call([sys.executable, "-m", "designer_app.cli", *argv], env=env)
    if args.methods != "seiko-ucb":
        print(paired_table(task, Path(args.out), labels))
        return
    suite = _runs(Path(args.suite) / task.name)
    runs = [r for r in suite if r.method in ("pretrained", "greedy", "seiko-ucb")]
    for label in labels:
        runs += _runs(Path(args.out) / task.name / label, f"seiko-ucb {label}")
    order = ["pretrained", "greedy", "seiko-ucb"] + [f"seiko-ucb {label}" for label in labels]
    print(markdown_table(summarise(runs, order)))


def paired_table(task, out: Path, labels: list[str]) -> str:
    """Per variant: seiko-ucb's and greedy's means, seiko-ucb's paired lead over greedy, and each method's
    paired change against the `default` variant, by top-10 AUC and by last-round mean (same seed = same
    first batch, so seeds pair)."""
    # each folder read once: variant -> (method, seed) -> RunMetrics
    metrics = {
        label: {(r.method, r.seed): run_metrics(r) for r in _runs(out / task.name / label)}
        for label in {*labels, "default"}
    }

    def diff(attr: str, a: str, ma: str, b: str, mb: str) -> str:
        """Variant a's method ma minus variant b's method mb, seed by seed."""
        d = [
            getattr(metrics[a][(ma, s)], attr) - getattr(metrics[b][(mb, s)], attr)
            for s in range(task.seeds)
            if (ma, s) in metrics[a] and (mb, s) in metrics[b]
        ]
        return f"{statistics.fmean(d):+.3f} (t {paired_t(d):+.1f})" if len(d) > 1 else "–"

    lines = [
        "| variant | metric | seiko-ucb | greedy | seiko-ucb − greedy | seiko-ucb vs default | greedy vs default |",
        "|---|---|---|---|---|---|---|",
    ]
    for label in labels:
        for name, attr in (("top-10 AUC", "top_k_auc"), ("last round", "last_round_mean")):
            ucb, greedy = (
                statistics.fmean(getattr(m, attr) for (method, _), m in metrics[label].items() if method == wanted)
                for wanted in ("seiko-ucb", "greedy")
            )
            lines.append(
                f"| {label} | {name} | {ucb:.3f} | {greedy:.3f} | "
                f"{diff(attr, label, 'seiko-ucb', label, 'greedy')} | "
                f"{diff(attr, label, 'seiko-ucb', 'default', 'seiko-ucb')} | "
                f"{diff(attr, label, 'greedy', 'default', 'greedy')} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
