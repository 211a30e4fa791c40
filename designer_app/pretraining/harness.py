"""The resumable training harness every prior trainer shares.

A trainer works in `<out>/work/`: `state.json` records each phase's step count, wall-clock seconds and the
settings that must not change between runs; each phase checkpoints its model (`NAME.safetensors`), the
optimiser (`NAME_opt.pt`, a training-only file that never ships) and, where it keeps one, an EMA copy
(`NAME_ema.safetensors`). Rerunning the same command reads them back and continues where it stopped, so a
training budget larger than one session is spent over several runs.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from designer_app.atomic import atomic_write_json
from designer_app.models.serialization import load_optimizer, load_weights, save_optimizer, save_weights

STATE_FILE = "state.json"


def read_state(work: Path) -> dict[str, Any]:
    """What earlier runs recorded in work/state.json ({} before the first checkpoint)."""
    path = Path(work) / STATE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def write_state(work: Path, state: dict[str, Any]) -> None:
    atomic_write_json(Path(work) / STATE_FILE, state)


def update_state(work: Path, **values: Any) -> dict[str, Any]:
    """Merge `values` into work/state.json (written atomically) and return the new state."""
    state = read_state(work)
    state.update(values)
    write_state(work, state)
    return state


def save_phase(
    work: Path,
    name: str,
    model: torch.nn.Module,
    opt: torch.optim.Optimizer,
    *,
    ema: Any = None,
    ema_model: torch.nn.Module | None = None,
    **values: Any,
) -> None:
    """Checkpoint one phase: weights, optimiser, optionally the EMA weights (copied into `ema_model`, a
    module of the same shape), then the state values (step, seconds, ...) - the state last, so a crash
    between the files and the state resumes from the previous step count with newer weights, never the
    other way round."""
    work = Path(work)
    save_weights(model, work / f"{name}.safetensors")
    save_optimizer(opt, work / f"{name}_opt.pt")
    if ema is not None and ema_model is not None:
        ema.copy_to(ema_model.parameters())
        save_weights(ema_model, work / f"{name}_ema.safetensors")
    update_state(work, **values)


def save_latent_denoiser(
    work: Path, model: torch.nn.Module, ema: Any, opt: torch.optim.Optimizer, step: int, elapsed: float, den_cfg: Any
) -> None:
    """Checkpoint the latent-diffusion phase of the molecule and sequence trainers: the denoiser, its EMA copy
    and optimiser, with the step count, seconds and the denoiser's shape in the state."""
    from designer_app.models.latent_denoiser import LatentDenoiser

    save_phase(
        work,
        "denoiser",
        model,
        opt,
        ema=ema,
        ema_model=LatentDenoiser(den_cfg),
        dm_step=step,
        dm_seconds=elapsed,
        dm_config=asdict(den_cfg),
    )


def restore_phase(
    work: Path,
    name: str,
    model: torch.nn.Module,
    opt: torch.optim.Optimizer,
    *,
    ema_model: torch.nn.Module | None = None,
    device: Any = None,
) -> bool:
    """Load a phase's checkpoint into `model`, `opt` (and `ema_model`); False when there is none yet."""
    work = Path(work)
    if not (work / f"{name}.safetensors").exists():
        return False
    load_weights(model, work / f"{name}.safetensors", device or "cpu")
    if ema_model is not None:
        load_weights(ema_model, work / f"{name}_ema.safetensors")
    load_optimizer(opt, work / f"{name}_opt.pt")
    return True
