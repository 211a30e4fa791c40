"""The package's shape: no import cycles, every package in the wheel, registries that list what they load."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from designer_app.core.methods import Method
from designer_app.domains.base import Domain
from designer_app.oracles.kinds import OracleKind
from designer_app.registry import DOMAINS, METHODS, ORACLES

ROOT = Path(__file__).resolve().parents[1]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_hand_made_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_in_a_cycle():
    grimp = pytest.importorskip("grimp")  # import-linter's graph builder
    graph = grimp.build_graph("designer_app")
    modules = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(modules) == []


def _packages_on_disk() -> set[str]:
    return {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "designer_app").rglob("__init__.py")}


def test_package_discovery_finds_every_package():
    from setuptools import find_packages

    found = set(find_packages(where=str(ROOT), include=["designer_app", "designer_app.*"]))
    assert found == _packages_on_disk() and {"designer_app.pretraining", "designer_app.models.sequences"} <= found


@pytest.mark.slow
def test_the_built_wheel_holds_every_package_and_the_priors(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    [wheel] = tmp_path.glob("designer_app-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("/__init__.py")}
    assert _packages_on_disk() <= packages and "designer_app.resources" in packages
    for prior in (ROOT / "resources" / "models").iterdir():
        if (prior / "config.json").exists():
            assert f"designer_app/resources/models/{prior.name}/model.safetensors" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[designer_app.domains]" in text and "rna = designer_app.domains.rna:RNA" in text


@pytest.mark.parametrize("registry, kind", [(DOMAINS, Domain), (METHODS, Method), (ORACLES, OracleKind)])
def test_every_builtin_loads_as_its_kind_under_its_own_name(registry, kind):
    names = registry.names()
    assert names and all(registry.registrations()[n].builtin for n in names)
    for name in names:
        entry = registry.get(name)
        assert isinstance(entry, kind) and entry.name == name


def test_builtins_are_listed_in_their_own_order():
    assert DOMAINS.names() == ("molecules", "dna", "protein", "rna", "images")
    assert METHODS.names()[0] == "seiko-ucb" and ORACLES.names()[:3] == ("qed", "sa", "mpo")


def test_an_unknown_name_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"domain 'rnaa' is unknown \(did you mean 'rna'\?\); choose one of molecules"):
        DOMAINS.get("rnaa")


def test_every_domain_names_a_trainer_and_a_shipped_prior_that_exist():
    import importlib

    from designer_app.resource_files import shipped_models_dir

    for domain in DOMAINS.all():
        assert callable(importlib.import_module(domain.pretrainer).pretrain)
        assert (shipped_models_dir() / domain.default_prior / "config.json").exists(), domain.name
