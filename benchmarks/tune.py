"""Default tuning: seiko-ucb under a few settings on one suite task, each a `designer-app bench` run.

    OMP_NUM_THREADS=1 python benchmarks/tune.py --task tfbind8-six6 --out docs/results/tuning

Each variant is the task's bench command with `--methods seiko-ucb` and extra `--set` overrides, written to
<out>/<task>/<variant>/; the table compares them with the suite's own seiko-ucb, greedy and pretrained rows.
Rerunning resumes (finished runs are reused).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from suite import TASKS

from designer_app.bench import RunResult
from designer_app.bench_report import markdown_table, summarise

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
    args = p.parse_args()
    task = TASKS[args.task]
    labels = [v for v in args.variants.split(",") if v]
    for label in labels:
        argv = task.argv(Path(args.out) / task.name, "seiko-ucb")
        argv[argv.index("--out") + 1] = str(Path(args.out) / task.name / label)
        argv += list(VARIANTS[label])  # later --set wins over the suite's finetune.steps=20
        print("designer-app " + " ".join(argv), flush=True)
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        subprocess.call([sys.executable, "-m", "designer_app.cli", *argv], env=env)
    suite = _runs(Path(args.suite) / task.name)
    runs = [r for r in suite if r.method in ("pretrained", "greedy", "seiko-ucb")]
    for label in labels:
        runs += _runs(Path(args.out) / task.name / label, f"seiko-ucb {label}")
    order = ["pretrained", "greedy", "seiko-ucb"] + [f"seiko-ucb {label}" for label in labels]
    print(markdown_table(summarise(runs, order)))


if __name__ == "__main__":
    main()
