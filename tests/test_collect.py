"""benchmarks/collect.py's tuning-target tally, checked against numbers computed by hand."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import collect  # noqa: E402

from designer_app.bench import BenchSpec, RoundResult, RunResult, spec_json  # noqa: E402


def _run(method: str, seed: int, last: list[float]) -> RunResult:
    # two rounds of 2: a fixed first batch, then `last`; k = 1 below, so top-1 AUC is easy by hand
    first = [0.1, 0.2]
    rounds = [RoundResult(i, 2, scores, {}, 1.0, 0.0, None, None) for i, scores in ((1, first), (2, last))]
    return RunResult(method, seed, 4, None, first + last, rounds, 1.0, 0.0, 1.0)


def _task(tmp_path: Path, name: str, last: dict[str, tuple[list[float], list[float]]]) -> Path:
    spec = BenchSpec("molecules", "qed", tuple(last), budget=4, batch_size=2, seeds=(0, 1), k=1)
    runs = [_run(m, s, scores[s]) for m, scores in last.items() for s in (0, 1)]
    folder = tmp_path / name
    folder.mkdir()
    data = {"spec": spec_json(spec), "runs": [asdict(r) for r in runs]}
    (folder / "results.json").write_text(json.dumps(data))
    return folder


def test_paired_t_by_hand():
    assert collect.paired_t([0.1, 0.3]) == pytest.approx(0.2 / (0.1414214 / 2**0.5))  # = 2.0
    assert collect.paired_t([0.1, 0.1]) == float("inf") and collect.paired_t([0.0, 0.0]) == 0.0


def test_tally_marks_tasks_where_seiko_ucb_is_above_all_three_rivals(tmp_path):
    won = _task(
        tmp_path,
        "won",
        {
            "seiko-ucb": ([0.9, 0.7], [0.5, 0.5]),
            "pretrained": ([0.3, 0.3], [0.3, 0.3]),
            "greedy": ([0.8, 0.6], [0.6, 0.4]),
            "non-adaptive": ([0.4, 0.4], [0.4, 0.4]),
            "ga": ([1.0, 1.0], [1.0, 1.0]),
        },
    )
    lost = _task(
        tmp_path,
        "lost",
        {
            "seiko-ucb": ([0.5, 0.5], [0.5, 0.5]),
            "pretrained": ([0.3, 0.3], [0.3, 0.3]),
            "greedy": ([0.6, 0.6], [0.6, 0.6]),
            "non-adaptive": ([0.4, 0.4], [0.4, 0.4]),
        },
    )
    text = collect.tally_table([won, lost], "last_round_mean")
    rows = {
        line.split(" | ")[0].strip("| "): line
        for line in text.splitlines()
        if line.startswith("| won") or line.startswith("| lost")
    }
    # last-round means per seed: ucb 0.8, 0.5 -> 0.65; greedy 0.7, 0.5 -> 0.6; non-adaptive 0.4; prior 0.3;
    # ga 1.0 (bold: the largest)
    # paired differences vs greedy 0.1 and 0.0: t = 0.05 / (0.0707 / sqrt 2) = 1.0, the weakest of the three
    # (vs the prior 0.5, 0.2 -> t 2.33; vs non-adaptive 0.4, 0.1 -> t 1.67), so not clearly above
    assert rows["won"].startswith(
        "| won | 2 × 2, 2 seeds | 0.650 | 0.300 | 0.600 | 0.400 | **1.000** | yes | +0.050 | +1.0 | no |"
    )
    # per seed vs greedy: 0.8 > 0.7 yes, 0.5 > 0.5 no (a tie is not a win) -> 1/2
    assert rows["won"].endswith("| 2/2 / 1/2 / 2/2 |")
    # greedy 0.6 vs 0.5 in both seeds: the same difference every seed gives t = -inf; no ga runs
    assert "| no | -0.100 | -inf | no |" in rows["lost"] and "| – |" in rows["lost"]
    assert text.endswith("on 1 of 2 tasks; clearly (paired t >= 2 against each) on 0.")
    # top-1 AUC with budget 4 (trapezoids from 0): ucb seed 0 calls 0.1, 0.2, 0.9, 0.7 -> best so far
    # 0.1, 0.2, 0.9, 0.9 -> (0.05 + 0.15 + 0.55 + 0.9) / 4 = 0.4125; seed 1 0.1, 0.2, 0.5, 0.5 -> 0.2625
    auc = collect.tally_table([won], "top_k_auc")
    assert "| won | 2 × 2, 2 seeds | 0.338 |" in auc  # (0.4125 + 0.2625) / 2 = 0.3375
