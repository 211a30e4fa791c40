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
TARGET = "pretrained,greedy,non-adaptive,seiko-ucb"


@dataclass(frozen=True)
class Task:
    """One table of the suite: a domain, an oracle and a budget that fits 2 CPU cores.

    Attributes:
        name: the task's folder under --out and its heading in docs/benchmarks.md.
        domain, oracle: as for `designer-app new`.
        rounds, batch_size: budget = rounds x batch_size oracle calls per run.
        seeds: runs per method (seeds 0 .. seeds-1).
        extra: further `designer-app bench` arguments.
        methods: the methods compared (all seven unless a task says otherwise).
    """

    name: str
    domain: str
    oracle: str
    rounds: int
    batch_size: int
    seeds: int = 5
    # 20 fine-tuning steps per round instead of the default 40 halve the suite's time on 2 shared cores
    # (fine-tuning is ~90% of a round); every method gets the same, non-adaptive its matched total.
    extra: tuple[str, ...] = ("--set", "finetune.steps=20")
    methods: str = METHODS

    def argv(self, out: Path, methods: str = "") -> list[str]:
        methods = methods or self.methods
        return [
            "bench",
            "--domain",
            self.domain,
            "--oracle",
            self.oracle,
            "--methods",
            methods,
            "--budget",
            str(self.rounds * self.batch_size),
            "--batch-size",
            str(self.batch_size),
            "--seeds",
            str(self.seeds),
            "--out",
            str(out / self.name),
            *self.extra,
        ]


def at_defaults(name: str, domain: str, oracle: str, seeds: int = 10) -> Task:
    """A "-128" task: the campaign `designer-app new` gives with nothing but domain and oracle (4 rounds x
    128, every default, 40 fine-tuning steps per round), with the methods the tuning target names
    (seiko-ucb against greedy, non-adaptive and the prior). 10 seeds: at 5, seiko-ucb's leads of 0.006-0.013
    in top-10 AUC were within seed noise (paired t < 2), so the paired comparison needs more of them;
    4 methods x 10 seeds take 40-70 min of one core."""
    return Task(name, domain, oracle, rounds=4, batch_size=128, seeds=seeds, extra=(), methods=TARGET)


TASKS = {
    t.name: t
    for t in [
        Task("qed", "molecules", "qed", rounds=4, batch_size=64),
        Task("mpo-qed-sa", "molecules", "mpo:qed+sa", rounds=4, batch_size=64),
        # DNA: 10 seeds since session 11 (a run takes 5-15 s on a fast core; leads of 0.02-0.04 had t < 2 at 5)
        Task("tfbind8-six6", "dna", "tfbind8:SIX6_REF_R1", rounds=4, batch_size=64, seeds=10),
        Task("tfbind8-crx", "dna", "tfbind8:CRX_REF_R1", rounds=4, batch_size=64, seeds=10),
        Task("tfbind8-vax2", "dna", "tfbind8:VAX2_REF_R1", rounds=4, batch_size=64, seeds=10),
        Task("ehrlich", "protein", "ehrlich", rounds=4, batch_size=64),
        # 3 seeds: a round of images costs ~60 s, so 7 methods x 3 seeds already take an hour
        Task("jpeg", "images", "jpeg-compressibility", rounds=4, batch_size=32, seeds=3),
        at_defaults("qed-128", "molecules", "qed"),
        at_defaults("mpo-qed-sa-128", "molecules", "mpo:qed+sa"),
        # 20 seeds on DNA (since session 11): its leads over greedy are 0.01-0.02 with a seed sd of about as
        # much, and earlier ten-seed leads shrank on ten more seeds; a DNA run takes 20-40 s on a fast core
        *[
            at_defaults(f"tfbind8-{tf.lower()}-128", "dna", f"tfbind8:{tf}_REF_R1", seeds=20)
            for tf in ("SIX6", "CRX", "VAX2")
        ],
        # 5 seeds: with 128 sequences the convolutional reward heads' fit makes a run ~3.5 min
        at_defaults("ehrlich-128", "protein", "ehrlich", seeds=5),
    ]
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", default=",".join(TASKS))
    p.add_argument("--methods", default="", help="default: the task's methods")
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
