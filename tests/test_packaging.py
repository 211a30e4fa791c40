"""The desktop bundle's build inputs: every shipped resource is in the bundle's data list, and the frozen
app finds its resources relative to itself (PyInstaller's sys._MEIPASS)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
from bundle_resources import bundle_datas, drop_unused, resource_files  # noqa: E402


def test_every_resource_folder_is_bundled_where_the_frozen_lookup_looks():
    datas = bundle_datas(ROOT)
    folders = {dest for _, dest in datas}
    shipped = {p.name for p in (ROOT / "resources" / "models").iterdir() if (p / "config.json").exists()}
    for name in shipped:
        assert str(Path("designer_app/resources/models") / name) in folders
        assert any(src.endswith(f"{name}/model.safetensors") for src, _ in datas)
    assert "designer_app/resources/icons" in folders and "designer_app/resources/data/tfbind8" in folders
    # training checkpoints (resources/models/*/work/) never ship
    assert not any("work" in Path(src).relative_to(ROOT / "resources").parts for src, _ in datas)
    assert len(datas) == len(resource_files(ROOT))


def test_the_spec_reads_its_resource_list_from_the_same_function():
    spec = (ROOT / "packaging" / "designer-app.spec").read_text()
    assert "bundle_datas(ROOT)" in spec and 'copy_metadata("designer-app")' in spec


def test_a_frozen_app_finds_its_resources_next_to_itself(tmp_path, monkeypatch):
    from designer_app import resource_files as rf

    bundled = tmp_path / "designer_app" / "resources"
    (bundled / "models" / "x").mkdir(parents=True)
    (bundled / "icons").mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert rf.resources_dir() == bundled and rf.shipped_models_dir() == bundled / "models"
    assert rf.icon_path(64) == bundled / "icons" / "designer-app-64.png"
    monkeypatch.setattr(sys, "frozen", False)
    assert rf.resources_dir() != bundled  # a normal install ignores a stray _MEIPASS


@pytest.mark.slow
def test_the_spec_is_valid_python_for_pyinstaller():
    pytest.importorskip("PyInstaller")
    compile((ROOT / "packaging" / "designer-app.spec").read_text(), "designer-app.spec", "exec")


def test_torch_test_files_are_left_out_of_the_bundle():
    toc = [
        ("torch/lib/libtorch_cpu.so", "/x", "BINARY"),
        ("torch/test/test_api", "/y", "BINARY"),
        ("torch/bin/test_jit", "/z", "BINARY"),
        ("torch/bin/torch_shm_manager", "/v", "BINARY"),  # torch's shared-memory multiprocessing runs it
        ("designer_app/resources/models/a/config.json", "/w", "DATA"),
    ]
    assert [name for name, _, _ in drop_unused(toc)] == [
        "torch/lib/libtorch_cpu.so",
        "torch/bin/torch_shm_manager",
        "designer_app/resources/models/a/config.json",
    ]
