"""Shared fixtures: tiny random-initialised priors so the whole suite runs in minutes on 2 cores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SMILES = [
    "CCO",
    "c1ccccc1",
    "CC(=O)Oc1ccccc1C(=O)O",
    "CCN(CC)CC",
    "O=C(O)c1ccccc1",
    "CC(C)Cc1ccc(C(C)C(=O)O)cc1",
    "Cc1ccccc1N",
    "COc1ccc(Cl)cc1",
    "CC1CCCCC1",
    "N#Cc1ccccc1",
    "CS(=O)(=O)N",
    "FC(F)(F)c1ccccc1",
    "OC1CCNCC1",
    "Brc1ccccc1",
    "C1CCOC1",
    "CC(=O)NC1=CC=CC=C1",
    "c1ccncc1",
    "O=S(=O)(O)c1ccccc1",
    "CC#N",
    "c1ccc2ccccc2c1",
]


def build_tiny_prior(folder: Path, seed: int = 0) -> Path:
    """A randomly initialised latent prior small enough for tests (a few thousand parameters)."""
    import torch

    from designer_app.domains import chemistry
    from designer_app.models.latent_denoiser import DenoiserConfig, LatentDenoiser
    from designer_app.models.latent_diffusion import ScheduleConfig
    from designer_app.models.molecules.autoencoder import AutoencoderConfig, SelfiesAutoencoder
    from designer_app.models.molecules.prior import LatentStats, MoleculePrior
    from designer_app.models.molecules.vocab import Vocab

    torch.manual_seed(seed)
    vocab = Vocab.build([chemistry.smiles_to_selfies(s) for s in SMILES], max_len=24)
    latent = 8
    ae = SelfiesAutoencoder(
        AutoencoderConfig(
            vocab_size=len(vocab),
            max_len=24,
            embed_dim=8,
            encoder_hidden=8,
            decoder_hidden=16,
            latent_dim=latent,
            n_properties=len(chemistry.DESCRIPTOR_NAMES),
            property_hidden=8,
        )
    )
    den = LatentDenoiser(DenoiserConfig(latent_dim=latent, hidden=16, n_blocks=1, time_dim=8))
    prior = MoleculePrior(vocab, ae, den, ScheduleConfig(sample_steps=6), LatentStats((0.0,) * latent, (1.0,) * latent))
    return prior.save(folder)


@pytest.fixture(scope="session")
def tiny_prior(tmp_path_factory) -> Path:
    return build_tiny_prior(tmp_path_factory.mktemp("prior") / "tiny-prior")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An isolated data home for campaigns."""
    h = tmp_path / "home"
    monkeypatch.setenv("DESIGNER_APP_HOME", str(h))
    return h


TINY_SETTINGS = [
    "--set",
    "sample_steps=6",
    "--set",
    "finetune.steps=3",
    "--set",
    "finetune.batch_size=8",
    "--set",
    "finetune.grad_steps=2",
    "--set",
    "reward.epochs=20",
    "--set",
    "reward.n_heads=3",
    "--set",
    "reward.hidden=8",
]
