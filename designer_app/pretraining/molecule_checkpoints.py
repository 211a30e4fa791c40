"""Reading the molecule trainer's autoencoder back from its work folder (shared by the trainer's later
phases and by decoder smoothing, which fine-tunes a copy of it)."""

from __future__ import annotations

from pathlib import Path

from designer_app.models.molecules.autoencoder import AutoencoderConfig, SelfiesAutoencoder
from designer_app.models.serialization import load_weights
from designer_app.pretraining.harness import read_state

# The decoder-smoothed autoencoder's weights in the work folder (pretraining/decoder_smoothing.py).
SMOOTHED = "ae_smooth.safetensors"


def load_autoencoder(work: Path, device, smoothed: bool = False) -> SelfiesAutoencoder:
    """The trained autoencoder; with `smoothed`, its decoder-smoothed version when that phase ran."""
    state = read_state(work)
    model = SelfiesAutoencoder(AutoencoderConfig(**state["ae_config"])).to(device)
    path = work / SMOOTHED if smoothed and (work / SMOOTHED).exists() else work / "ae.safetensors"
    load_weights(model, path, device)
    return model.eval()
