"""benchmarks/tune.py's paired table (a setting greedy uses too), checked against numbers computed by hand."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import tune  # noqa: E402
from suite import Task  # noqa: E402

from designer_app.bench import RoundResult, RunResult, run_name  # noqa: E402


def _write(folder: Path, method: str, seed: int, last: list[float]) -> None:
    # two rounds: 10 fixed items, then the 10 of `last`; with k = 10 the last round's mean is mean(last)
    first = [0.0] * 10
    rounds = [RoundResult(i, 10, scores, {}, 1.0, 0.0, None, None) for i, scores in ((1, first), (2, last))]
    run = RunResult(method, seed, 20, None, first + last, rounds, 1.0, 0.0, 1.0)
    (folder / "runs").mkdir(parents=True, exist_ok=True)
    (folder / "runs" / f"{run_name(method, seed)}.json").write_text(json.dumps(asdict(run)))


def test_paired_table_by_hand(tmp_path):
    task = Task("toy", "molecules", "qed", rounds=2, batch_size=10, seeds=2)
    # last-round means: default ucb 0.5 / 0.7, greedy 0.6 / 0.6; variant ucb 0.8 / 0.8, greedy 0.6 / 0.4
    means = {
        "default": {"seiko-ucb": (0.5, 0.7), "greedy": (0.6, 0.6)},
        "k-2": {"seiko-ucb": (0.8, 0.8), "greedy": (0.6, 0.4)},
    }
    for label, methods in means.items():
        for method, per_seed in methods.items():
            for seed, m in enumerate(per_seed):
                _write(tmp_path / "toy" / label, method, seed, [m] * 10)
    rows = [line for line in tune.paired_table(task, tmp_path, ["default", "k-2"]).splitlines() if "last round" in line]
    # default: ucb - greedy = -0.1, +0.1 -> mean 0.000, t 0.0
    assert rows[0] == "| default | last round | 0.600 | 0.600 | +0.000 (t +0.0) | +0.000 (t +0.0) | +0.000 (t +0.0) |"
    # k-2: ucb - greedy = 0.2, 0.4 -> mean 0.3, sd 0.1414, t = 0.3 / (0.1414 / sqrt 2) = 3.0;
    # ucb vs default 0.3, 0.1 -> 0.2, t 2.0; greedy vs default 0.0, -0.2 -> -0.1, t -1.0
    assert rows[1] == "| k-2 | last round | 0.800 | 0.500 | +0.300 (t +3.0) | +0.200 (t +2.0) | -0.100 (t -1.0) |"
