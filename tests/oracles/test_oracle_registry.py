"""Spec parsing, the manual oracle, entry-point plug-ins and `list_oracles()`."""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap
from pathlib import Path

import pytest

from designer_app import registry
from designer_app.core.protocols import FAILED, OK, Oracle
from designer_app.oracles import (
    ENTRY_POINT_GROUP,
    BuiltinOracle,
    ManualOracle,
    ManualOracleError,
    OracleSpecError,
    PythonOracle,
    WrappedOracle,
    list_oracles,
    parse_oracle,
)

PLUGIN_MODULE = "dapp_oracle_plugin_for_tests"

PLUGIN_SOURCE = """
class Doubler:
    name = "doubler"
    optimum = 5.0
    is_manual = False

    def __init__(self, domain="molecules"):
        self.domain = domain

    def score(self, items):
        return [2.0 * len(s) for s in items]


class Broken:
    def score(self, items):
        raise RuntimeError("plug-in bug")


class ShortAnswer:
    def score(self, items):
        return [1.0]


INSTANCE = Doubler()
SEEN_DOMAINS = []


def make(domain):
    SEEN_DOMAINS.append(domain)
    return Doubler(domain)


def make_function():
    def inner(items):
        return [0.5] * len(items)
    return inner


def plain(items):
    return [float(s.count("C")) for s in items]

plain.optimum = 3.0

NOT_AN_ORACLE = 42


def factory_that_fails():
    raise ValueError("licence file missing")
"""


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch):
    """Installs fake plug-in entry points (name -> "module:attr") pointing into a real module on sys.path,
    next to the real ones (Designer's built-ins)."""
    (tmp_path / f"{PLUGIN_MODULE}.py").write_text(textwrap.dedent(PLUGIN_SOURCE), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, PLUGIN_MODULE, raising=False)
    registered: dict[str, str] = {}
    groups_asked: list[str | None] = []

    real_entry_points = importlib.metadata.entry_points

    def fake_entry_points(*, group=None, **kwargs):
        # Designer's own built-ins are entry points of the same group: keep them, add the fakes after them.
        groups_asked.append(group)
        return [
            *real_entry_points(group=group),
            *(
                importlib.metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)
                for name, value in registered.items()
                if group == ENTRY_POINT_GROUP
            ),
        ]

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)

    def register(**entries: str) -> list[str | None]:
        registry.clear_cache()  # the registry keeps what it read; these entries are new
        for name, value in entries.items():
            registered[name] = value if ":" in value else f"{PLUGIN_MODULE}:{value}"
        return groups_asked

    yield register
    sys.modules.pop(PLUGIN_MODULE, None)


def test_manual_oracle():
    oracle = parse_oracle("manual", optimum=12.0)
    assert isinstance(oracle, ManualOracle) and isinstance(oracle, Oracle)
    assert (oracle.name, oracle.is_manual, oracle.optimum) == ("manual", True, 12.0)
    with pytest.raises(ManualOracleError, match="typed in or imported"):
        oracle.score(["CCO"])
    assert parse_oracle("manual", domain="images").is_manual


@pytest.mark.parametrize(
    "spec, parts",
    [
        ("", ["empty oracle spec", "qed", "python:FILE.py:FUNC", "command:CMD"]),
        ("qde", ["unknown oracle 'qde'", "did you mean 'qed'", "built-in: qed, sa", "none installed"]),
        ("pyhton:f.py:score", ["unknown oracle kind 'pyhton:'", "did you mean python:"]),
        ("mpo:qed+logp", ["unknown score(s) 'logp'", "qed, sa", "e.g. mpo:qed+sa"]),
        ("mpo:qed+", ["empty part", "mpo:qed+sa"]),
        ("mpo[timeout=3]:qed+sa", ["mpo: takes no options"]),
    ],
)
def test_parse_errors_say_what_to_change(spec, parts):
    with pytest.raises(OracleSpecError) as info:
        parse_oracle(spec)
    for part in parts:
        assert part in str(info.value)
    assert isinstance(info.value, ValueError)


def test_bad_optimum_argument():
    with pytest.raises(OracleSpecError, match="optimum must be a number"):
        parse_oracle("qed", optimum="best")  # type: ignore[arg-type]
    with pytest.raises(OracleSpecError, match="finite"):
        parse_oracle("qed", optimum=float("inf"))


def test_entry_point_oracle_object(plugins):
    groups = plugins(doubler="INSTANCE")
    oracle = parse_oracle("doubler")
    assert isinstance(oracle, WrappedOracle)
    assert oracle.name == "doubler" and oracle.optimum == 5.0 and oracle.is_manual is False
    assert [r.value for r in oracle.score(["CC", "CCO"])] == [4.0, 6.0]
    assert groups and set(groups) == {ENTRY_POINT_GROUP}
    assert parse_oracle("doubler", optimum=9.0).optimum == 9.0


def test_entry_point_class_and_factory_receive_the_domain(plugins):
    plugins(doubler_class="Doubler", doubler_factory="make", function_factory="make_function")
    made = parse_oracle("doubler_class", domain="sequences")
    assert made.inner.domain == "sequences" and made.score(["AAA"])[0].value == 6.0
    parse_oracle("doubler_factory", domain="images")
    assert sys.modules[PLUGIN_MODULE].SEEN_DOMAINS == ["images"]
    from_function_factory = parse_oracle("function_factory")
    assert isinstance(from_function_factory, PythonOracle)
    assert [r.value for r in from_function_factory.score(["a", "b"])] == [0.5, 0.5]


def test_entry_point_plain_function_is_wrapped_like_python(plugins):
    plugins(count_carbons="plain")
    oracle = parse_oracle("count_carbons")
    assert isinstance(oracle, PythonOracle) and oracle.optimum == 3.0 and oracle.name == "count_carbons"
    assert [r.value for r in oracle.score(["CCC", "N"])] == [3.0, 0.0]


def test_misbehaving_plugin_oracles_fail_softly(plugins):
    plugins(broken="Broken", short="ShortAnswer")
    broken = parse_oracle("broken").score(["a", "b"])
    assert all(r.status == FAILED and "RuntimeError: plug-in bug" in r.note for r in broken)
    short = parse_oracle("short").score(["a", "b"])
    assert all(r.status == FAILED and "returned 1 scores for 2 items" in r.note for r in short)
    assert parse_oracle("short").optimum is None


def test_unusable_plugins_raise_spec_errors(plugins):
    plugins(number="NOT_AN_ORACLE", failing="factory_that_fails", missing="no_such_module_xyz_987:thing")
    with pytest.raises(OracleSpecError, match="is a int; it must be an oracle"):
        parse_oracle("number")
    with pytest.raises(OracleSpecError, match="creating the oracle failed: ValueError: licence file missing"):
        parse_oracle("failing")
    with pytest.raises(OracleSpecError, match="'missing' .* failed to load: ModuleNotFoundError.*reinstall"):
        parse_oracle("missing")


def test_unknown_name_lists_installed_plugins(plugins):
    plugins(doubler="INSTANCE", count_carbons="plain")
    with pytest.raises(OracleSpecError) as info:
        parse_oracle("dobler")
    message = str(info.value)
    assert "did you mean 'doubler'" in message and "plug-ins: count_carbons, doubler" in message


def test_builtins_win_over_plugins_of_the_same_name(plugins):
    plugins(qed="plain")
    oracle = parse_oracle("qed")
    assert isinstance(oracle, BuiltinOracle) and oracle.optimum == 0.948
    qed_entries = [text for name, text in list_oracles() if name == "qed"]
    assert len(qed_entries) == 2 and "hidden by the built-in" in qed_entries[1]


def test_list_oracles(plugins):
    plugins(doubler="INSTANCE")
    entries = list_oracles()
    names = [name for name, _ in entries]
    expected_names = ("qed", "sa", "mpo:qed+sa", "manual", "python:FILE.py:FUNC", "command:CMD ARGS")
    expected_names += ("doubler",)
    for expected in expected_names:
        assert expected in names
    assert all(text and "\n" not in text for _, text in entries)
    assert f"{PLUGIN_MODULE}:INSTANCE" in dict(entries)["doubler"]
    assert "0.948" in dict(entries)["qed"]


def test_list_oracles_survives_broken_metadata(monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("corrupt METADATA")

    monkeypatch.setattr(importlib.metadata, "entry_points", explode)
    names = [name for name, _ in list_oracles()]
    assert names[:2] == ["qed", "sa"] and "manual" in names
    with pytest.raises(OracleSpecError, match="none installed"):
        parse_oracle("not-a-thing")


def test_every_parsed_oracle_has_the_protocol_attributes(tmp_path: Path):
    script = tmp_path / "f.py"
    script.write_text("def score(items):\n    return [1.0] * len(items)\n")
    specs = ["qed", "sa", "mpo:qed+sa", "manual", f"python:{script}:score", "command:echo hi"]
    for spec in specs:
        oracle = parse_oracle(f"  {spec}  ")
        assert isinstance(oracle, Oracle)
        assert oracle.name == spec
        assert oracle.optimum is None or isinstance(oracle.optimum, float)
        assert isinstance(oracle.is_manual, bool)
    ok = parse_oracle(f"python:{script}:score").score(["x"])[0]
    assert (ok.value, ok.status) == (1.0, OK)


def test_importing_oracles_does_not_import_rdkit():
    # The GUI imports this package at start-up; RDKit must only load when a molecule is scored.
    import os
    import subprocess

    code = "import sys, designer_app.oracles as o; o.list_oracles(); print('rdkit' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
