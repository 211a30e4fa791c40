"""What machine and libraries a benchmark run was made with.

Why it is recorded: a run replays bit for bit only on the same kind of machine. The fine-tuning's floating
point results depend on the CPU's math kernels (MKL and oneDNN pick code by CPU), so the same command on
another CPU gives other gradients from the first fine-tune on, and its runs agree with the committed ones
only within seed noise (docs/benchmarks.md, Limits). With the machine written next to each run, a user whose
rerun differs can see whether the machine or the code is the cause.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path

# the libraries whose numerics a run depends on
LIBRARIES = ("torch", "numpy", "diffusers", "scikit-learn", "rdkit")


def cpu_model() -> str:
    """The CPU's marketing name ("AMD EPYC", "Intel(R) Xeon(R) ..."), or the platform's guess where
    /proc/cpuinfo does not exist (macOS, Windows)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def describe() -> dict:
    """The machine and library versions of this process, as JSON-ready strings.

    Keys: cpu, cpu_capability (the vector instructions torch's kernels use, e.g. AVX512), device (what
    campaigns compute on: cpu, or the CUDA device's name), python, platform, and one per LIBRARIES entry
    that is installed."""
    import torch

    from designer_app.models.serialization import pick_device

    device = pick_device()
    data = {
        "cpu": cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else device.type,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for name in LIBRARIES:
        version = _version(name)
        if version is not None:
            data[name] = version
    return data


def short(environment: dict | None) -> str:
    """One line for a report: "AMD EPYC (AVX512), cpu, torch 2.13.0+cpu"; "not recorded" for runs made
    before designer-app recorded it."""
    if not environment:
        return "not recorded"
    return (
        f"{environment.get('cpu', 'unknown CPU')} ({environment.get('cpu_capability', '?')}), "
        f"{environment.get('device', '?')}, torch {environment.get('torch', '?')}"
    )
