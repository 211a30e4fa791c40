"""What a sequence prior is trained with: the settings (SequencePretrainConfig) and the per-domain recipe
(SequenceRecipe: data, defaults, card) that each sequence domain's trainer module defines. Apart from the
shared trainer (pretraining/sequences.py) so that the card can read a recipe without importing the trainer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from designer_app.pretraining.sequence_data import SequenceDataset


@dataclass(frozen=True)
class SequencePretrainConfig:
    """Everything that decides a sequence prior. Recorded in the prior's config.json.

    Attributes:
        domain: the sequence domain whose prior this trains (its alphabet comes from the domain registry).
        tf: dna only: the landscape whose below-median 8-mers form the prior's distribution.
        n_train: protein only: DMP samples for training (dna uses every 8-mer); the protein default is
            250,000 because the autoencoder overfit 80,000 (held-out exact reconstruction 85.5 %).
        n_heldout: protein: extra DMP samples never trained on; dna: 8-mers kept out of training.
        length: sequence length (dna 8; protein: the Ehrlich function's, 32).
        latent_dim: D of the autoencoder's latent (what the diffusion model samples).
        hidden: width of the autoencoder's hidden layers.
        hidden_layers: hidden layers of its encoder and of its decoder.
        property_hidden: width of the property head (part of the featuriser).
        kmers: the property head predicts the composition of these k-mer lengths (1 = letters).
        both_strands: k-mer compositions averaged over both DNA strands (dna).
        gc: whether it also predicts GC content (dna).
        batch_size: autoencoder batch size.
        lr: autoencoder learning rate (Adam); cosine decay over the last 40 % of the phase.
        kl_weight: weight of the KL term (beta-VAE); small keeps reconstructions exact, non-zero keeps
            the latent smooth and bounded.
        kl_warmup_steps: linear warm-up of the KL weight from 0.
        prop_weight: weight of the standardised property regression.
        ae_minutes / ae_steps: budgets of the autoencoder phase (whichever ends first).
        diffusion_minutes / diffusion_steps: budgets of the latent diffusion phase.
        diffusion_batch: latents per denoiser step.
        checkpoint_minutes: how often to write a resumable checkpoint.
        denoiser_hidden / denoiser_blocks: shape of the latent denoiser.
        features: the featuriser's parts (see models.sequence_prior.FEATURE_PARTS).
        constrain_pairs: decode only adjacent pairs seen in the training data (Viterbi; see
            models.sequence_prior.SequencePriorConfig.allowed_pairs).
        letter_temperature: softmax temperature of the "letters" feature part.
        seed: data splits, sampling and initialisation.
    """

    domain: str
    tf: str = "SIX6_REF_R1"
    n_train: int = 80_000
    n_heldout: int = 4_000
    length: int = 8
    latent_dim: int = 16
    hidden: int = 256
    hidden_layers: int = 2
    property_hidden: int = 128
    kmers: tuple[int, ...] = (1, 2, 3, 4)
    both_strands: bool = True
    gc: bool = True
    batch_size: int = 256
    lr: float = 1e-3
    kl_weight: float = 0.05
    kl_warmup_steps: int = 2000
    prop_weight: float = 1.0
    ae_minutes: float = 5.0
    ae_steps: int = 1_000_000
    diffusion_minutes: float = 4.0
    diffusion_steps: int = 1_000_000
    diffusion_batch: int = 256
    checkpoint_minutes: float = 2.0
    denoiser_hidden: int = 192
    denoiser_blocks: int = 3
    features: tuple[str, ...] = ("latent", "hidden", "properties")
    letter_temperature: float = 2.0
    constrain_pairs: bool = False
    seed: int = 0

    @property
    def alphabet(self) -> str:
        """The domain's letters (Domain.alphabet), in one-hot order."""
        from designer_app.domains import get_domain

        return get_domain(self.domain).alphabet


@dataclass(frozen=True)
class SequenceRecipe:
    """What makes one sequence domain's prior: its data, its settings and what its card measures. Each
    sequence domain's trainer module (pretraining/dna.py, protein.py, rna.py; the domain's `pretrainer`)
    defines one as RECIPE and trains with `pretrain_with(RECIPE, request)`.

    Attributes:
        domain: the domain's name.
        title: the card's title line ("latent-diffusion prior of ...").
        data_text: the card's "Data and licence" section (may use {n_train} and {n_heldout}).
        default_config: (minutes, seed) -> the shipped prior's settings.
        dataset: settings -> the training data (computed once, cached in work/data.npz).
        campaign_defaults: settings -> what `designer-app new` applies to campaigns on this prior unless the
            user sets it (recorded in the prior's config.json).
        card_oracles: built-in oracle specs the card measures samples with; the first is the main one.
        test_pool: (n, rng) -> n sequences, disjoint from the training data, for the card's held-out reward
            accuracy.
        test_pool_text: how the card describes that pool.
    """

    domain: str
    title: str
    data_text: str
    default_config: Callable[[float, int], SequencePretrainConfig]
    dataset: Callable[[SequencePretrainConfig], SequenceDataset]
    campaign_defaults: Callable[[SequencePretrainConfig], dict]
    card_oracles: tuple[str, ...]
    test_pool: Callable[[int, np.random.Generator], list[str]]
    test_pool_text: str


def recipe_for(domain: str) -> SequenceRecipe:
    """The RECIPE of the domain's trainer module; ValueError when the domain has none."""
    import importlib

    from designer_app.domains import get_domain

    module = importlib.import_module(get_domain(domain).pretrainer or "designer_app.pretraining")
    recipe = getattr(module, "RECIPE", None)
    if not isinstance(recipe, SequenceRecipe):
        raise ValueError(f"the '{domain}' domain has no sequence-prior recipe; its trainer is {module.__name__}")
    return recipe
