"""Save and load module weights as safetensors, atomically. No pickle anywhere in model files."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from designer_app.atomic import atomic_write_bytes


def state_to_bytes(module: torch.nn.Module) -> bytes:
    # safetensors refuses shared storage; contiguous clones make every tensor its own buffer.
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in module.state_dict().items()}
    return st_save(tensors)


def save_weights(module: torch.nn.Module, path: str | Path) -> Path:
    return atomic_write_bytes(path, state_to_bytes(module))


def load_weights(module: torch.nn.Module, path: str | Path, device: torch.device | str = "cpu") -> None:
    state = st_load(Path(path).read_bytes())
    module.load_state_dict({k: v.to(device) for k, v in state.items()})


def save_tensors(tensors: dict[str, torch.Tensor], path: str | Path) -> Path:
    return atomic_write_bytes(path, st_save({k: v.detach().cpu().contiguous() for k, v in tensors.items()}))


def load_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    return st_load(Path(path).read_bytes())


def save_optimizer(optimizer: torch.optim.Optimizer, path: str | Path) -> Path:
    """Optimizer state for resumable training (tensors and numbers only, reloaded with weights_only)."""
    import io

    buffer = io.BytesIO()
    torch.save(optimizer.state_dict(), buffer)
    return atomic_write_bytes(path, buffer.getvalue())


def load_optimizer(optimizer: torch.optim.Optimizer, path: str | Path) -> None:
    optimizer.load_state_dict(torch.load(path, weights_only=True))


def pick_device() -> torch.device:
    """CUDA if present, else Apple MPS, else CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
