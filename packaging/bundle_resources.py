"""What the desktop bundle carries besides code: every shipped resource, found by walking resources/ (the
same file types the wheel ships), and the modules left out. Used by designer-app.spec and its test."""

from __future__ import annotations

from pathlib import Path

# The file types of resources/ that ship (the wheel's package-data patterns in pyproject.toml).
SHIPPED_SUFFIXES = (".json", ".safetensors", ".md", ".png", ".svg", ".npz")
# Never shipped: training work folders (checkpoints, optimiser state) and caches.
SKIPPED_PARTS = ("work", "__pycache__")
# Modules the app never uses at run time: test frameworks, notebook and plotting back ends Qt does not need,
# Tk, and torch's profiling and tensorboard parts.
EXCLUDES = [
    "pytest",
    "hypothesis",
    "_pytest",
    "IPython",
    "jupyter",
    "notebook",
    "tkinter",
    "_tkinter",
    "torch.utils.tensorboard",
    "tensorboard",
    "matplotlib.backends.backend_tkagg",
    "PySide6.QtWebEngineCore",
]


# Files third-party hooks collect that nothing runs: torch's own C++ test suite and test binaries, and protoc
# (about 130 MB). torch/bin/torch_shm_manager stays: torch's shared-memory multiprocessing starts it.
UNUSED_PREFIXES = ("torch/test/", "torch/bin/")
KEPT = ("torch/bin/torch_shm_manager",)


def drop_unused(toc: list) -> list:
    """A PyInstaller TOC (binaries or datas: (name in the bundle, source, kind) entries) without UNUSED_PREFIXES."""

    def unused(name: str) -> bool:
        name = name.replace("\\", "/")
        return name.startswith(UNUSED_PREFIXES) and name not in KEPT

    return [entry for entry in toc if not unused(str(entry[0]))]


def resource_files(root: Path) -> list[Path]:
    """Every file under root/resources that ships."""
    base = root / "resources"
    return sorted(
        p
        for p in base.rglob("*")
        if p.is_file() and p.suffix in SHIPPED_SUFFIXES and not set(p.relative_to(base).parts) & set(SKIPPED_PARTS)
    )


def bundle_datas(root: Path) -> list[tuple[str, str]]:
    """(source file, folder in the bundle) pairs: resources/X/f lands in designer_app/resources/X/, where the
    frozen app's resource lookup (designer_app.resource_files) finds it."""
    base = root / "resources"
    return [
        (str(p), str(Path("designer_app") / "resources" / p.parent.relative_to(base))) for p in resource_files(root)
    ]
