"""`command:` oracles: the CSV protocol, and every way a program can fail becoming failed results."""

from __future__ import annotations

import shlex
import sys
import textwrap
import time
from pathlib import Path

import pytest

from designer_app.core.protocols import FAILED, OK
from designer_app.oracles import DEFAULT_TIMEOUT_S, CommandOracle, OracleSpecError, parse_oracle

ITEMS = ["CCO", "c1ccccc1", 'weird,item "quoted"']

# Reads id,item from stdin, insists on the documented header and ids, and answers with len(item) in
# reverse order plus an extra column (both allowed by the protocol).
GOOD = """
import csv, sys
rows = list(csv.reader(sys.stdin))
if rows[0] != ["id", "item"] or [r[0] for r in rows[1:]] != [str(i) for i in range(len(rows) - 1)]:
    sys.exit(2)
print("id,score,comment")
for row_id, item in reversed(rows[1:]):
    print(f"{row_id},{len(item)},fine")
"""


def _command(tmp_path: Path, source: str, name: str = "script.py", options: str = "") -> str:
    script = tmp_path / name
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    return f"command{options}:{shlex.join([sys.executable, str(script)])}"


def test_good_command_scores_every_item(tmp_path: Path):
    spec = _command(tmp_path, GOOD)
    oracle = parse_oracle(spec, optimum=100.0)
    results = oracle.score(ITEMS)
    assert [(r.value, r.status) for r in results] == [(3.0, OK), (8.0, OK), (float(len(ITEMS[2])), OK)]
    assert oracle.name == spec and oracle.optimum == 100.0 and oracle.is_manual is False
    assert oracle.timeout == DEFAULT_TIMEOUT_S


def test_header_is_optional_and_empty_or_nan_scores_are_handled(tmp_path: Path):
    spec = _command(
        tmp_path,
        """
        import sys
        sys.stdin.read()
        print("0,0.5")
        print("1,")
        print("2,nan")
        print("3,high")
        """,
    )
    results = parse_oracle(spec).score(["a", "b", "c", "d"])
    assert (results[0].value, results[0].status) == (0.5, OK)
    assert (results[1].value, results[1].status) == (None, OK) and "infeasible" in results[1].note
    assert (results[2].value, results[2].status) == (None, FAILED) and "non-finite" in results[2].note
    assert (results[3].value, results[3].status) == (None, FAILED) and "non-numeric" in results[3].note


def test_nonzero_exit_fails_the_batch_with_stderr_tail(tmp_path: Path):
    spec = _command(
        tmp_path,
        """
        import sys
        sys.stdin.read()
        print("0,1.0")
        print("loading receptor...", file=sys.stderr)
        print("boom: docking failed", file=sys.stderr)
        sys.exit(1)
        """,
    )
    results = parse_oracle(spec).score(ITEMS)
    for r in results:
        assert r.status == FAILED and r.value is None
        assert "exited with status 1" in r.note and "boom: docking failed" in r.note


def test_timeout_kills_the_command(tmp_path: Path):
    spec = _command(tmp_path, "import time\ntime.sleep(60)\n", options="[timeout=1]")
    oracle = parse_oracle(spec)
    assert oracle.timeout == 1.0
    start = time.monotonic()
    results = oracle.score(ITEMS)
    assert time.monotonic() - start < 15
    assert all(r.status == FAILED and "timed out after 1 s" in r.note for r in results)


def test_constructor_timeout(tmp_path: Path):
    script = tmp_path / "sleepy.py"
    script.write_text("import time\ntime.sleep(60)\n")
    oracle = CommandOracle(shlex.join([sys.executable, str(script)]), timeout=0.5)
    assert all("timed out" in r.note for r in oracle.score(["C"]))


def test_missing_id_fails_only_that_item(tmp_path: Path):
    spec = _command(
        tmp_path,
        """
        import csv, sys
        rows = list(csv.reader(sys.stdin))[1:]
        print("id,score")
        for row_id, item in rows:
            if row_id != "1":
                print(f"{row_id},{len(item)}")
        """,
    )
    results = parse_oracle(spec).score(ITEMS)
    assert (results[0].value, results[0].status) == (3.0, OK)
    assert results[1].status == FAILED and "no row for id 1" in results[1].note
    assert results[2].status == OK


@pytest.mark.parametrize(
    "output, note_part",
    [
        ("this is not csv at all", "is not 'id,score'"),
        ("hello, world", "has id 'hello'"),
        ("0,1.0\n7,2.0", "has id '7'"),
        ("id,value\n0,1.0", "no 'score' column"),
    ],
)
def test_garbage_output_fails_the_batch(tmp_path: Path, output: str, note_part: str):
    spec = _command(tmp_path, f"import sys\nsys.stdin.read()\nprint({output!r})\n")
    results = parse_oracle(spec).score(["a", "b"])
    for r in results:
        assert r.status == FAILED and r.value is None
        assert "unparsable command output" in r.note and note_part in r.note


def test_header_columns_may_come_in_any_order(tmp_path: Path):
    spec = _command(tmp_path, "import sys\nsys.stdin.read()\nprint('score,note,id')\nprint('0.25,x,0')\n")
    assert parse_oracle(spec).score(["a"])[0].value == 0.25


def test_missing_program_is_a_failed_result_not_a_crash():
    results = CommandOracle("definitely-not-a-program-xyz --flag").score(["a"])
    assert results[0].status == FAILED and "command not found" in results[0].note


def test_empty_batch_does_not_run_the_command(tmp_path: Path):
    marker = tmp_path / "ran"
    spec = _command(tmp_path, f"open({str(marker)!r}, 'w').close()\n")
    assert parse_oracle(spec).score([]) == []
    assert not marker.exists()


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("command:", "empty command"),
        ("command:   ", "empty command"),
        ("command:python 'unclosed", "check the quotes"),
        ("command[timeout=-1]:python x.py", "positive number of seconds"),
        ("command[timeout=soon]:python x.py", "timeout must be a number"),
        ("command[retry=3]:python x.py", "options are timeout=SECONDS, workers=N and retries=N"),
    ],
)
def test_bad_command_specs(spec, expected):
    with pytest.raises(OracleSpecError, match=expected):
        parse_oracle(spec)
