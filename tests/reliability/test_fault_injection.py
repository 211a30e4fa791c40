"""The fault-injection harness (benchmarks/fault_injection.py) in its CI size: real campaigns killed with
SIGKILL inside each kind of step and at random moments, resumed, and checked against an uninterrupted
run. The full harness (60+ kills) runs with `python benchmarks/fault_injection.py --kills 60`, or here
with DESIGNER_APP_FULL=1."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import fault_injection  # noqa: E402

FULL = os.environ.get("DESIGNER_APP_FULL") == "1"


def _assert_nothing_lost(figures) -> None:
    assert figures.problems == []
    assert figures.ok
    assert figures.measurements_lost == 0 and figures.measurements_duplicated == 0
    assert figures.integrity_failures == 0 and figures.checkpoint_mismatches == 0 and figures.orphan_candidates == 0
    assert figures.reference_mismatches == 0 and figures.oracle_call_mismatches == 0
    assert figures.measurements_checked > 0


@pytest.mark.slow
def test_campaigns_survive_sigkill_at_named_points_and_random_moments(tmp_path):
    # "auto" forks this test process (torch and Designer already imported: children start instantly)
    # unless other tests left threads running, when a clean forkserver is safer.
    cfg = fault_injection.HarnessConfig(
        kills=10, seed=1, quick=True, rounds=2, max_kills_per_campaign=2, start_method="auto"
    )
    figures = fault_injection.run_harness(cfg, tmp_path, log=lambda *_: None)
    _assert_nothing_lost(figures)
    assert figures.kills >= 10 and figures.random_kills >= 1
    # every quick named point was reached and killed the child (else the harness proved nothing there)
    expected = [p for points in fault_injection.QUICK_POINTS.values() for p in points]
    assert figures.named_points_hit == expected
    assert {"transaction", "file write"} <= set(figures.kills_by_context)
    assert {"import", "rollback", "score", "fit"} <= set(figures.kills_by_phase)


@pytest.mark.skipif(not FULL, reason="full harness: set DESIGNER_APP_FULL=1 (or run benchmarks/fault_injection.py)")
def test_full_harness(tmp_path):
    figures = fault_injection.run_harness(fault_injection.HarnessConfig(kills=60), tmp_path)
    _assert_nothing_lost(figures)
    assert figures.kills >= 60
    expected = [p for points in fault_injection.NAMED_POINTS.values() for p in points]
    assert figures.named_points_hit == expected
    assert {"propose", "score", "fit", "finetune", "import", "rollback"} <= set(figures.kills_by_phase)
