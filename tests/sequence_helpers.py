"""Tiny randomly initialised sequence priors for the sequence tests (a few thousand parameters)."""

from __future__ import annotations

from pathlib import Path


def build_tiny_sequence_prior(
    folder: Path,
    domain: str = "dna",
    length: int = 8,
    seed: int = 0,
    features: tuple[str, ...] = ("latent", "hidden", "letters"),
) -> Path:
    import torch

    from designer_app.domains import get_domain
    from designer_app.models.latent_denoiser import DenoiserConfig, LatentDenoiser
    from designer_app.models.latent_diffusion import ScheduleConfig
    from designer_app.models.sequences.autoencoder import SequenceAutoencoder, SequenceAutoencoderConfig
    from designer_app.models.sequences.prior import SequencePrior, SequencePriorConfig
    from designer_app.pretraining.sequence_data import property_names

    torch.manual_seed(seed)
    alphabet = get_domain(domain).alphabet
    latent = 6
    ae = SequenceAutoencoder(
        SequenceAutoencoderConfig(
            length=length,
            vocab_size=len(alphabet),
            latent_dim=latent,
            hidden=16,
            n_properties=len(property_names(alphabet, kmers=(1,), gc=False)),
            property_hidden=8,
        )
    )
    den = LatentDenoiser(DenoiserConfig(latent_dim=latent, hidden=16, n_blocks=1, time_dim=8))
    config = SequencePriorConfig(
        domain=domain,
        alphabet=alphabet,
        features=features,
        letter_temperature=2.0,
        latent_mean=(0.1,) * latent,
        latent_std=(1.5,) * latent,
    )
    return SequencePrior(config, ae, den, ScheduleConfig(sample_steps=6)).save(folder)
