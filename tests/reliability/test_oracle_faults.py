"""Oracles under fault: exceptions, wrong lengths, NaN, hangs, crashing and slow commands. Each becomes
failed measurements (never a crash), is retried where the spec says so, runs in a bounded pool of
parallel calls, and shows up in the campaign's event log and `status`."""

from __future__ import annotations

import shlex
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from designer_app.campaigns import status_json
from designer_app.config import CampaignConfig
from designer_app.core.protocols import FAILED, OK
from designer_app.core.records import NewCandidate
from designer_app.oracles import OracleSpecError, parse_oracle
from designer_app.oracles.pool import CallPolicy, LoggedOracle, parse_call_options
from designer_app.store import CampaignStore

ITEMS = ["CCO", "CCN", "CCC", "CCCl", "CCBr", "CCF"]


def _python(tmp_path: Path, source: str, options: str = "") -> str:
    path = tmp_path / "oracle.py"
    path.write_text(textwrap.dedent(source))
    return f"python{options}:{path}:score"


def _command(tmp_path: Path, source: str, options: str = "") -> str:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return f"command{options}:{shlex.join([sys.executable, str(script)])}"


def test_options_are_parsed_and_checked():
    assert parse_call_options("timeout=30, workers=4, retries=2", "s") == CallPolicy(30.0, 4, 2)
    assert parse_call_options(None, "s", 600.0) == CallPolicy(600.0, 1, 0)
    for bad, message in [
        ("workers=0", "workers must be between"),
        ("retries=-1", "retries must be between"),
        ("workers=two", "whole number"),
        ("speed=3", "unknown option"),
        ("timeout=0", "positive"),
    ]:
        with pytest.raises(OracleSpecError, match=message):
            parse_call_options(bad, "s")


@pytest.mark.parametrize(
    "body, note",
    [
        ("raise RuntimeError('assay robot offline')", "assay robot offline"),
        ("return [1.0]", "returned 1 scores for 6 items"),
        ("return [float('nan')] * len(items)", "non-finite"),
        ("return ['high'] * len(items)", "non-numeric"),
    ],
)
def test_misbehaving_python_oracles_fail_items_not_the_app(tmp_path, body, note):
    oracle = parse_oracle(_python(tmp_path, f"def score(items):\n    {body}\n"))
    results = oracle.score(ITEMS)
    assert len(results) == len(ITEMS) and all(r.status == FAILED and note in r.note for r in results)
    kinds = [kind for kind, _ in oracle.drain_incidents()]
    assert kinds and set(kinds) <= {"OracleCallFailed", "OracleItemsFailed"}


def test_hanging_python_oracle_times_out_and_is_retried(tmp_path):
    spec = _python(tmp_path, "import time\ndef score(items):\n    time.sleep(30)\n", "[timeout=0.3,retries=1]")
    oracle = parse_oracle(spec)
    started = time.monotonic()
    results = oracle.score(ITEMS[:2])
    assert time.monotonic() - started < 10  # two attempts of 0.3 s, not 60 s
    assert all(r.status == FAILED and "timed out" in r.note for r in results)
    assert [k for k, _ in oracle.drain_incidents()] == [
        "OracleCallFailed",
        "OracleRetry",
        "OracleCallFailed",
        "OracleGaveUp",
    ]


def test_flaky_oracle_succeeds_on_retry(tmp_path):
    counter = tmp_path / "calls"
    source = f"""
        from pathlib import Path
        def score(items):
            calls = Path({str(counter)!r})
            n = int(calls.read_text()) if calls.exists() else 0
            calls.write_text(str(n + 1))
            if n == 0:
                raise ConnectionError("instrument busy")
            return [len(s) / 10 for s in items]
    """
    oracle = parse_oracle(_python(tmp_path, source, "[retries=2]"))
    results = oracle.score(ITEMS)
    assert [r.status for r in results] == [OK] * len(ITEMS)
    assert results[0].value == pytest.approx(0.3)
    assert [k for k, _ in oracle.drain_incidents()] == ["OracleCallFailed", "OracleRetry"]


def test_only_failed_items_are_retried(tmp_path):
    log = tmp_path / "seen"
    source = f"""
        def score(items):
            with open({str(log)!r}, "a") as fh:
                fh.write(",".join(items) + "\\n")
            return [None if s == "CCN" else (float("nan") if s == "CCC" and len(open({str(log)!r}).readlines()) == 1
                    else 1.0) for s in items]
    """
    oracle = parse_oracle(_python(tmp_path, source, "[retries=1]"))
    results = oracle.score(ITEMS)
    assert log.read_text().splitlines() == [",".join(ITEMS), "CCC"]  # infeasible (None) is not a failure
    assert [r.status for r in results] == [OK] * len(ITEMS) and results[1].value is None


def test_workers_bound_the_parallel_calls(tmp_path):
    state = {"now": 0, "peak": 0, "calls": 0}
    lock = threading.Lock()

    def slow(items):
        with lock:
            state["now"] += 1
            state["calls"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.2)
        with lock:
            state["now"] -= 1
        return [len(s) for s in items]

    from designer_app.oracles import PythonOracle

    oracle = PythonOracle(slow, workers=3)
    results = oracle.score(ITEMS * 2)  # 12 items -> 3 chunks of 4
    assert [r.value for r in results] == [len(s) for s in ITEMS * 2]  # order kept across chunks
    assert state["calls"] == 3 and state["peak"] == 3


CRASH_ONCE = """
    import csv, os, sys
    marker = sys.argv[1]
    rows = list(csv.reader(sys.stdin))[1:]
    with open(marker + ".pids", "a") as fh:
        fh.write(f"{os.getpid()} {len(rows)}\\n")
    if not os.path.exists(marker):
        open(marker, "w").close()
        sys.stderr.write("segmentation fault (simulated)\\n")
        sys.exit(139)
    print("id,score")
    for i, item in rows:
        print(f"{i},{len(item)}")
"""


def test_crashing_command_is_retried_and_workers_run_separate_processes(tmp_path):
    marker = tmp_path / "crashed"
    spec = _command(tmp_path, CRASH_ONCE, "[workers=2,retries=1,timeout=60]") + f" {marker}"
    oracle = parse_oracle(spec)
    results = oracle.score(ITEMS)
    assert [r.value for r in results] == [float(len(s)) for s in ITEMS]
    runs = [line.split() for line in Path(f"{marker}.pids").read_text().splitlines()]
    assert len({pid for pid, _ in runs}) == len(runs) >= 3  # each chunk ran in its own process
    assert sum(int(n) for _, n in runs[:2]) == len(ITEMS)  # the first attempt split the batch in two
    incidents = oracle.drain_incidents()
    assert incidents[0][0] == "OracleCallFailed" and "exited with status 139" in incidents[0][1]["notes"][0]
    assert "segmentation fault" in incidents[0][1]["notes"][0]


def test_hanging_command_is_killed(tmp_path):
    oracle = parse_oracle(_command(tmp_path, "import time\ntime.sleep(60)\n", "[timeout=0.5]"))
    started = time.monotonic()
    results = oracle.score(ITEMS[:2])
    assert time.monotonic() - started < 20
    assert all(r.status == FAILED and "timed out" in r.note for r in results)


def test_incidents_reach_the_event_log_and_status(tmp_path):
    store = CampaignStore.create(tmp_path / "c", "c", "molecules", CampaignConfig(name="c").to_json())
    store.add_round(1, 2, [NewCandidate(s, s, True) for s in ITEMS[:2]], None, 0.1)
    inner = parse_oracle(
        _python(tmp_path, "def score(items):\n    raise OSError('license server down')\n", "[retries=1]")
    )
    oracle = LoggedOracle(inner, lambda kind, payload: store.log_event(1, kind, payload))
    assert all(r.status == FAILED for r in oracle.score(ITEMS[:2]))
    data = status_json(store)
    assert data["n_oracle_incidents"] == 4
    assert [i["kind"] for i in data["oracle_incidents"]] == [
        "OracleCallFailed",
        "OracleRetry",
        "OracleCallFailed",
        "OracleGaveUp",
    ]
    assert "license server down" in data["oracle_incidents"][0]["notes"][0]
    assert data["oracle_incidents"][0]["round"] == 1


def test_a_round_whose_every_call_fails_is_not_recorded_and_is_scored_after_the_fix(tmp_path, tiny_prior, capsys):
    """A broken oracle (a typo, a server down) must not turn the budget into failed measurements: the run
    stops with the reason, nothing is recorded, and the next run scores the same proposals."""
    from conftest import TINY_SETTINGS

    from designer_app.cli import main
    from designer_app.store import campaign_dir

    oracle = tmp_path / "oracle.py"
    oracle.write_text("def score(items):\n    raise ConnectionError('plate reader offline')\n")
    assert (
        main(
            [
                "--home",
                str(tmp_path),
                "new",
                "b",
                "--oracle",
                f"python:{oracle}:score",
                "--prior",
                str(tiny_prior),
                "--rounds",
                "2",
                "--batch-size",
                "6",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--home", str(tmp_path), "run", "b"]) == 2
    err = capsys.readouterr().err
    assert "all" in err and "oracle calls failed" in err and "plate reader offline" in err
    store = CampaignStore.open(campaign_dir("b", tmp_path))
    proposed = [(c.id, c.item) for c in store.candidates(1)]
    assert store.round(1).status == "proposed" and all(c.score_status == "unscored" for c in store.candidates(1))
    store.close()
    oracle.write_text("def score(items):\n    return [len(s) / 50 for s in items]\n")
    assert main(["--home", str(tmp_path), "run", "b"]) == 0
    store = CampaignStore.open(campaign_dir("b", tmp_path))
    assert [(c.id, c.item) for c in store.candidates(1)] == proposed  # the same proposals were scored
    assert all(c.score_status == "ok" for c in store.candidates() if c.duplicate_of is None and c.feasible)
    assert [r.status for r in store.rounds()] == ["done", "done"]
