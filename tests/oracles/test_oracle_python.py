"""`python:` oracles: loading files and modules, and turning every user mistake into failed results."""

from __future__ import annotations

import math
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from designer_app.core.protocols import FAILED, OK
from designer_app.oracles import OracleSpecError, PythonOracle, parse_oracle

ITEMS = ["CCO", "c1ccccc1", "CCN"]


def _write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


@pytest.fixture
def length_file(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "length_oracle.py",
        """
        def score(items):
            return [float(len(s)) for s in items]

        score.optimum = 42.0

        def _private():
            pass

        def helper_listing_target(items):
            return [0.0] * len(items)
        """,
    )


def test_file_oracle_scores_and_reads_optimum(length_file: Path):
    spec = f"python:{length_file}:score"
    oracle = parse_oracle(spec)
    results = oracle.score(ITEMS)
    assert [r.value for r in results] == [3.0, 8.0, 3.0]
    assert all(r.status == OK for r in results)
    assert oracle.name == spec and oracle.optimum == 42.0 and oracle.is_manual is False


def test_optimum_argument_overrides_function_attribute(length_file: Path):
    assert parse_oracle(f"python:{length_file}:score", optimum=7.5).optimum == 7.5


def test_relative_file_resolves_against_cwd(length_file: Path, monkeypatch):
    monkeypatch.chdir(length_file.parent)
    oracle = parse_oracle("python:length_oracle.py:score")
    assert oracle.score(["CCCC"])[0].value == 4.0


def test_file_may_import_a_sibling_helper(tmp_path: Path):
    _write(tmp_path / "sibling_helper_mod.py", "FACTOR = 3.0\n")
    path = _write(
        tmp_path / "uses_helper.py",
        """
        from sibling_helper_mod import FACTOR

        def score(items):
            return [FACTOR * len(s) for s in items]
        """,
    )
    try:
        assert parse_oracle(f"python:{path}:score").score(["CC"])[0].value == 6.0
        assert str(tmp_path) not in sys.path  # only on sys.path while the file was executing
    finally:
        sys.modules.pop("sibling_helper_mod", None)


def test_module_oracle(tmp_path: Path, monkeypatch):
    package = tmp_path / "oraclepkg_for_tests"
    package.mkdir()
    (package / "__init__.py").write_text("")
    _write(
        package / "scores.py",
        """
        class Scorer:
            @staticmethod
            def score(items):
                return [None if "N" in s else 1.0 for s in items]

        def score(items):
            return [0.5 for _ in items]

        score.optimum = 1.0
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        oracle = parse_oracle("python:oraclepkg_for_tests.scores:score")
        assert [r.value for r in oracle.score(ITEMS)] == [0.5, 0.5, 0.5]
        assert oracle.optimum == 1.0
        dotted = parse_oracle("python:oraclepkg_for_tests.scores:Scorer.score").score(ITEMS)
        assert [(r.value, r.status) for r in dotted] == [(1.0, OK), (1.0, OK), (None, OK)]
        assert "infeasible" in dotted[2].note
    finally:
        for name in ("oraclepkg_for_tests", "oraclepkg_for_tests.scores"):
            sys.modules.pop(name, None)


def _raises(items):
    raise ValueError("the docking server is down")


def _exits(items):
    sys.exit(3)


@pytest.mark.parametrize(
    "func, note_part",
    [
        (_raises, "ValueError: the docking server is down"),
        (lambda items: [1.0] * (len(items) - 1), "returned 2 scores for 3 items"),
        (lambda items: [float("nan")] * len(items), "non-finite"),
        (lambda items: [float("inf")] * len(items), "non-finite"),
        (lambda items: ["0.5"] * len(items), "non-numeric"),
        (lambda items: "0.5,0.5,0.5", "expected a list of 3 numbers"),
        (lambda items: 1.0, "not a list of numbers"),
        (lambda items: None, "expected a list of 3 numbers"),
        (lambda items: np.ones((len(items), 2)), "array of shape (2,)"),
        (_exits, "SystemExit"),
    ],
)
def test_user_mistakes_become_failed_results(func, note_part):
    results = PythonOracle(func, name="test").score(ITEMS)
    assert len(results) == len(ITEMS)
    for r in results:
        assert r.status == FAILED and r.value is None
        assert note_part in r.note


def test_mixed_batch_fails_only_the_bad_items():
    values = [1.0, None, float("nan"), "x", True, np.float32(0.25), 2]
    results = PythonOracle(lambda items: values, name="mixed").score([str(i) for i in range(len(values))])
    assert [r.status for r in results] == [OK, OK, FAILED, FAILED, FAILED, OK, OK]
    assert [r.value for r in results] == [1.0, None, None, None, None, 0.25, 2.0]
    assert all(isinstance(r.value, float) for r in results if r.value is not None)


def test_numpy_array_return_is_accepted():
    results = PythonOracle(lambda items: np.arange(len(items), dtype=np.float64)).score(ITEMS)
    assert [r.value for r in results] == [0.0, 1.0, 2.0]


def test_empty_batch_does_not_call_the_function():
    calls: list[list[str]] = []
    oracle = PythonOracle(lambda items: calls.append(items) or [])
    assert oracle.score([]) == []
    assert calls == []


def test_timeout_marks_all_items_failed_and_returns_promptly():
    release = threading.Event()

    def slow(items):
        release.wait(10)
        return [1.0] * len(items)

    oracle = PythonOracle(slow, timeout=0.2)
    try:
        start = time.monotonic()
        results = oracle.score(ITEMS)
        elapsed = time.monotonic() - start
    finally:
        release.set()  # let the abandoned thread finish
    assert elapsed < 5
    assert all(r.status == FAILED and "timed out after 0.2 s" in r.note for r in results)
    # Fast calls under a timeout still work and return values.
    fast = PythonOracle(lambda items: [2.0] * len(items), timeout=5)
    assert [r.value for r in fast.score(ITEMS)] == [2.0] * 3


def test_timeout_error_raised_by_user_code_is_not_reported_as_our_timeout():
    def raises_timeout(items):
        raise TimeoutError("remote service timed out")

    results = PythonOracle(raises_timeout, timeout=5).score(ITEMS)
    assert all(r.status == FAILED and "TimeoutError: remote service timed out" in r.note for r in results)


def test_timeout_option_in_spec(length_file: Path):
    oracle = parse_oracle(f"python[timeout=2.5]:{length_file}:score")
    assert oracle.timeout == 2.5
    assert oracle.score(["C"])[0].value == 1.0
    assert parse_oracle(f"python:{length_file}:score").timeout is None


def test_missing_file_says_where_it_looked(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OracleSpecError) as info:
        parse_oracle("python:no_such_oracle.py:score")
    message = str(info.value)
    assert str(tmp_path / "no_such_oracle.py") in message
    assert "current folder" in message and "absolute path" in message


def test_windows_style_path_is_split_from_the_right():
    # The drive letter's ':' must stay in the path: the error is about the file, not about a module "C".
    with pytest.raises(OracleSpecError, match=r"oracle file not found: .*C:\\oracles\\f\.py"):
        parse_oracle(r"python:C:\oracles\f.py:score")


def test_missing_function_lists_what_is_there(length_file: Path):
    with pytest.raises(OracleSpecError) as info:
        parse_oracle(f"python:{length_file}:scroe")
    message = str(info.value)
    assert "no function 'scroe'" in message
    assert "helper_listing_target, score" in message and "_private" not in message
    assert "after the last ':'" in message


@pytest.mark.parametrize(
    "body, expected",
    [
        ("only_a_file.py", "must name a file or module and a function"),
        ("mod.py:", "must name a file or module and a function"),
        ("mod.py:not-a-name", "is not a function name"),
        ("no_such_module_xyz_123:score", "cannot find module 'no_such_module_xyz_123'"),
        ("not a module:score", "neither a path to a .py file nor a module name"),
    ],
)
def test_bad_python_specs(body, expected):
    with pytest.raises(OracleSpecError, match=expected):
        parse_oracle(f"python:{body}")


def test_file_that_fails_to_import(tmp_path: Path):
    path = _write(tmp_path / "broken.py", "def score(items:\n    pass\n")
    with pytest.raises(OracleSpecError, match="importing oracle file .*broken.py failed: SyntaxError"):
        parse_oracle(f"python:{path}:score")


def test_non_callable_target_and_bad_optimum(tmp_path: Path):
    path = _write(
        tmp_path / "odd.py",
        """
        THRESHOLD = 3

        def score(items):
            return [1.0] * len(items)

        score.optimum = "very high"
        """,
    )
    with pytest.raises(OracleSpecError, match="is a int, not a function"):
        parse_oracle(f"python:{path}:THRESHOLD")
    with pytest.raises(OracleSpecError, match="score.optimum must be a number"):
        parse_oracle(f"python:{path}:score")


def test_results_are_finite_floats():
    results = PythonOracle(lambda items: [0.1, -3, 1e300]).score(ITEMS)
    assert all(r.status == OK and math.isfinite(r.value) for r in results)
