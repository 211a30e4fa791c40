"""The standard benchmark suite of docs/benchmarks.md, one `designer-app bench` command per task.

    OMP_NUM_THREADS=1 python benchmarks/suite.py --tasks qed,mpo-qed-sa --out docs/results/bench
    python benchmarks/suite.py --list          # print every task's command

Each task runs all methods x seeds one campaign at a time (the machine has 2 cores) and writes
<out>/<task>/{summary.md,results.json,*.png,runs/}. Rerunning resumes: finished runs are reused.
The printed command is exactly what reproduces a row of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

METHODS = "pretrained,greedy,non-adaptive,seiko-ucb,seiko-bootstrap,seiko-ts,ga"


@dataclass(frozen=True)
class Task:
    """One table of the suite: a domain, an oracle and a budget that fits 2 CPU cores.

    Attributes:
        name: the task's folder under --out and its heading in docs/benchmarks.md.
        domain, oracle: as for `designer-app new`.
        rounds, batch_size: budget = rounds x batch_size oracle calls per run.
        seeds: runs per method (seeds 0 .. seeds-1).
        extra: further `designer-app bench` arguments.
    """

    name: str
    domain: str
    oracle: str
    rounds: int
    batch_size: int
    seeds: int = 3
    # 20 fine-tuning steps per round instead of the default 40 halve the suite's time on 2 shared cores
    # (fine-tuning is ~90% of a round); every method gets the same, non-adaptive its matched total.
    extra: tuple[str, ...] = ("--set", "finetune.steps=20")

    def argv(self, out: Path, methods: str = METHODS) -> list[str]:
        return [
            "bench", "--domain", self.domain, "--oracle", self.oracle, "--methods", methods,
            "--budget", str(self.rounds * self.batch_size), "--batch-size", str(self.batch_size),
            "--seeds", str(self.seeds), "--out", str(out / self.name), *self.extra,
        ]


TASKS = {
    t.name: t
    for t in [
        Task("qed", "molecules", "qed", rounds=4, batch_size=64),
        Task("mpo-qed-sa", "molecules", "mpo:qed+sa", rounds=4, batch_size=64),
        Task("tfbind8-six6", "dna", "tfbind8:SIX6_REF_R1", rounds=4, batch_size=64),
        Task("tfbind8-crx", "dna", "tfbind8:CRX_REF_R1", rounds=4, batch_size=64),
        Task("tfbind8-vax2", "dna", "tfbind8:VAX2_REF_R1", rounds=4, batch_size=64),
        Task("ehrlich", "protein", "ehrlich", rounds=4, batch_size=64),
        Task("jpeg", "images", "jpeg-compressibility", rounds=4, batch_size=32),
    ]
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", default=",".join(TASKS))
    p.add_argument("--methods", default=METHODS)
    p.add_argument("--out", default="docs/results/bench")
    p.add_argument("--list", action="store_true", help="print the commands and exit")
    args = p.parse_args()
    out = Path(args.out)
    for name in args.tasks.split(","):
        task = TASKS[name]
        argv = task.argv(out, args.methods)
        print("designer-app " + " ".join(argv), flush=True)
        if args.list:
            continue
        t0 = time.monotonic()
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        code = subprocess.call([sys.executable, "-m", "designer_app.cli", *argv], env=env)
        print(f"{name}: exit {code} after {(time.monotonic() - t0) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
