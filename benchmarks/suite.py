"""The standard benchmark suite of docs/benchmarks.md, one `designer-app bench` command per task.

    OMP_NUM_THREADS=1 python benchmarks/suite.py --tasks fexofenadine-mpo,tfbind8-six6 --out docs/results/suite
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

# The methods a scientist would compare (issue 21): SEIKO, its no-optimism ablation, the prior, screening a
# library, and the standard evolutionary peer of the domain (Graph GA for molecules, AdaLead-style ga otherwise).
MOLECULE_METHODS = "seiko-ucb,greedy,pretrained,screen,graph-ga"
SEQUENCE_METHODS = "seiko-ucb,greedy,pretrained,screen,ga"
METHODS = SEQUENCE_METHODS


@dataclass(frozen=True)
class Task:
    """One table of the suite: a domain, an oracle and a budget that fits 2 CPU cores.

    Attributes:
        name: the task's folder under --out and its heading in docs/benchmarks.md.
        domain, oracle: as for `designer-app new`.
        rounds, batch_size: budget = rounds x batch_size oracle calls per run.
        seeds: runs per method (seeds 0 .. seeds-1).
        extra: further `designer-app bench` arguments.
        methods: the methods compared (the domain's five).
    """

    name: str
    domain: str
    oracle: str
    rounds: int
    batch_size: int
    seeds: int = 5
    extra: tuple[str, ...] = ()
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


# GuacaMol goal-directed objectives (Brown et al. 2019, oracles/guacamol.py) at 1,000 calls (8 x 125): the
# budget a chemist with a docking oracle spends, and large enough to tell methods apart.
GUACAMOL_TASKS = (
    "fexofenadine-mpo",
    "median-molecules-2",
    "perindopril-mpo",
    "zaleplon-mpo",
    "amlodipine-mpo",
    "ranolazine-mpo",
    "sitagliptin-mpo",
    "troglitazone-rediscovery",
    "thiothixene-rediscovery",
    "scaffold-hop",
    "deco-hop",
    "valsartan-smarts",
)

# Every task runs each method at the settings `designer-app new` gives (nothing tuned for the task), 5 seeds.
TASKS = {
    t.name: t
    for t in [
        *[
            Task(name, "molecules", f"guacamol:{name}", rounds=8, batch_size=125, methods=MOLECULE_METHODS)
            for name in GUACAMOL_TASKS
        ],
        *[
            Task(f"tfbind8-{tf.lower()}", "dna", f"tfbind8:{tf}_REF_R1", rounds=4, batch_size=128)
            for tf in ("SIX6", "CRX", "VAX2")
        ],
        Task("ehrlich", "protein", "ehrlich", rounds=4, batch_size=128),
    ]
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", default=",".join(TASKS))
    p.add_argument("--methods", default="", help="default: the task's methods")
    p.add_argument("--out", default="docs/results/suite")
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
