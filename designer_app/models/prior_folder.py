"""The prior folder every shipped prior is: `config.json` (its kind, domain, shapes and training record) and
`model.safetensors` (the weights of its parts, each under its own prefix: "autoencoder.", "denoiser.", ...).

The molecule, sequence and image priors describe their own configuration; writing and reading the folder -
atomic files, the kind check, the prefixes, the entries a prior does not know (kept as `extra`, so a card's
numbers and campaign defaults survive a load and save) - is done here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from designer_app.atomic import atomic_write_json
from designer_app.models.serialization import load_tensors, save_tensors

CONFIG = "config.json"
WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class PriorFolder:
    """What a prior folder holds, read back.

    Attributes:
        config: the whole config.json.
        tensors: every weight, by its prefixed name.
    """

    config: dict[str, Any]
    tensors: dict[str, torch.Tensor]

    def weights(self, prefix: str) -> dict[str, torch.Tensor]:
        """The state dict of the part saved under `prefix` ("denoiser" -> its tensors without "denoiser.")."""
        start = f"{prefix}."
        return {k[len(start) :]: v for k, v in self.tensors.items() if k.startswith(start)}

    def extra(self, known: set[str]) -> dict[str, Any]:
        """config.json entries outside `known` (training record, card numbers, campaign defaults)."""
        return {k: v for k, v in self.config.items() if k not in known}


def write_prior_folder(folder: str | Path, parts: dict[str, torch.nn.Module], config: dict[str, Any]) -> Path:
    """Write `parts` (prefix -> module) to model.safetensors and `config` (which names the kind and domain) to
    config.json, each atomically; the weights first, so a folder with a config always has its weights."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"{prefix}.{k}": v for prefix, module in parts.items() for k, v in module.state_dict().items()}
    save_tensors(tensors, folder / WEIGHTS)
    atomic_write_json(folder / CONFIG, config)
    return folder


def read_prior_folder(folder: str | Path, kind: str, what: str) -> PriorFolder:
    """config.json and the weights of a prior folder of `kind`; FileNotFoundError when there is no config,
    ValueError when it holds another kind. `what` names the prior in messages ("a molecule prior")."""
    folder = Path(folder)
    config_file = folder / CONFIG
    if not config_file.exists():
        raise FileNotFoundError(f"{folder} is not {what}: {CONFIG} is missing")
    config = json.loads(config_file.read_text())
    if config.get("kind") != kind:
        raise ValueError(f"{folder} holds a '{config.get('kind')}' model, not a {kind} prior")
    return PriorFolder(config, load_tensors(folder / WEIGHTS))
