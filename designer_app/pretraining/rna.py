"""`designer-app pretrain rna`: the shipped RNA prior `rna-32mer` (weakly structured random 32-mers).

Our own data, generated and documented here (no third-party data set): uniformly random A/C/G/U 32-mers,
each folded by ViennaRNA (minimum free energy at 37 °C). The autoencoder learns all of them; the diffusion
model learns those whose stability -MFE / 32 is below the median, so that stable, strongly structured designs
are rare under the prior - the same "lower half" design as the DNA prior, which leaves the top for campaigns
to find. The recipe for the shared sequence trainer (pretraining/sequences.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from designer_app.models.sequences.codes import from_codes
from designer_app.pretraining.sequence_data import SequenceDataset
from designer_app.pretraining.sequence_recipe import SequencePretrainConfig, SequenceRecipe
from designer_app.pretraining.sequences import pretrain_with

ALPHABET = "ACGU"
LENGTH = 32
MAIN_ORACLE = "rna-mfe"


def default_config(minutes: float, seed: int = 0) -> SequencePretrainConfig:
    # The protein prior's shape (one wide hidden layer, learning rate 3e-3, small KL), which reconstructs
    # 32-mers exactly the fastest, with half its latent: four letters carry 64 bits, twenty carry 138.
    return SequencePretrainConfig(
        domain="rna",
        length=LENGTH,
        latent_dim=64,
        hidden=512,
        hidden_layers=1,
        lr=3e-3,
        kl_weight=0.01,
        property_hidden=128,
        kmers=(1, 2, 3),
        both_strands=False,
        gc=True,
        n_train=200_000,
        n_heldout=2_000,
        ae_minutes=minutes * 0.5,
        diffusion_minutes=minutes * 0.42,
        denoiser_hidden=256,
        seed=seed,
        features=("latent", "hidden", "properties", "letters"),
    )


def random_sequences(n: int, rng: np.random.Generator) -> list[str]:
    """n uniformly random RNA 32-mers."""
    return from_codes(rng.integers(0, len(ALPHABET), size=(n, LENGTH)), ALPHABET)


def stability(seqs: list[str]) -> np.ndarray:
    """-MFE / length (kcal/mol per nucleotide) of each sequence: the `rna-mfe` oracle's value."""
    from designer_app.oracles import parse_oracle

    results = parse_oracle(MAIN_ORACLE, domain="rna").score(seqs)
    return np.array([np.nan if r.value is None else r.value for r in results], dtype=np.float64)


def dataset(cfg: SequencePretrainConfig) -> SequenceDataset:
    """Random 32-mers and their stability; the prior's set is those strictly below the median."""
    from designer_app.models.sequences.codes import to_codes

    rng = np.random.default_rng(cfg.seed)
    seqs = random_sequences(cfg.n_train + cfg.n_heldout, rng)
    codes, _ = to_codes(seqs, ALPHABET, LENGTH)
    values = stability(seqs[: cfg.n_train])
    below = values < np.median(values)
    return SequenceDataset(codes[: cfg.n_train], below, codes[cfg.n_train :], values)


def campaign_defaults(cfg: SequencePretrainConfig) -> dict:
    # The weaker KL of the other sequence priors (alpha 0.001): the autoencoder covers random 32-mers, not
    # only the prior's half, so the reward model stays meaningful where the sampler moves.
    return {"alpha": 0.001}


def test_pool(n: int, rng: np.random.Generator) -> list[str]:
    """Fresh random 32-mers (a seed the training data did not use), whatever their stability."""
    return random_sequences(n, rng)


RECIPE = SequenceRecipe(
    domain="rna",
    title="latent-diffusion prior of RNA 32-mers (the less stable half of random sequences)",
    data_text="""- Our own data, made by `designer_app.pretraining.rna.dataset` (no third-party data): {n_train:,}
  uniformly random A/C/G/U 32-mers (numpy seed 0), each folded by ViennaRNA 2.x (`viennarna` on PyPI; its own licence:
  research, educational and commercial use, no redistribution for a fee, credit to the authors; Lorenz et al.
  2011, Algorithms Mol. Biol. 6:26) for its minimum free energy at 37 °C.
- The **diffusion model** learns the sequences whose stability -MFE / 32 is below the median (weakly
  structured ones), so stable, strongly structured designs are rare under the prior.
- The **autoencoder** learns all {n_train:,}; {n_heldout:,} further random 32-mers are held out to measure
  reconstruction.
- Weights: same licence as this project.""",
    default_config=default_config,
    dataset=dataset,
    campaign_defaults=campaign_defaults,
    card_oracles=(MAIN_ORACLE, "rna-structure:hairpin32"),
    test_pool=test_pool,
    test_pool_text="fresh random 32-mers, never trained on",
)


def pretrain(request) -> Iterator[dict]:
    """`designer-app pretrain rna`; generates its data with ViennaRNA (request.data is not needed)."""
    return pretrain_with(RECIPE, request)
