"""Where a molecule prior loses sample quality: the latent denoiser or the decoder.

    python benchmarks/molecule_prior_diagnostics.py --data molsets-0.3.1-py3-none-any.whl [--prior DIR]

Measures on MOSES held-out test molecules (mean QED of the decoded molecules each time):
- the molecules themselves, and decoding their posterior-mean latents (what a perfect denoiser could give);
- the same latents plus isotropic Gaussian noise (how far from a molecule the decoder still decodes well);
- round trips: noise each latent to the sampler's step t and denoise it back with the prior's own sampler
  (DDIM, eta = 1), the scale at which the denoiser resolves the data;
- the prior's samples, and their distance to the nearest training latent next to the held-out latents'.
The prior's CARD.md quotes these numbers. Not a unit test: it takes a minute or two on one core.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from designer_app.domains import chemistry
from designer_app.models.latent_diffusion import round_trip, sample
from designer_app.models.molecules.prior import MoleculePrior
from designer_app.models.priors import resolve_prior
from designer_app.pretraining.molecule_data import read_smiles


def mean_qed(smiles: list[str | None]) -> float:
    values = [chemistry.qed(s) for s in smiles if s]
    return float(np.mean([v for v in values if v is not None]))


def latents(prior: MoleculePrior, smiles: list[str]) -> torch.Tensor:
    """Standardised posterior means (N, D) of the molecules the vocabulary can represent."""
    return torch.tensor([row for row in prior.encode(smiles) if row is not None])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="the molsets wheel (its train and test SMILES)")
    p.add_argument("--prior", default="molecules-moses")
    p.add_argument("--n", type=int, default=2000, help="held-out molecules and samples")
    args = p.parse_args()
    torch.set_num_threads(1)
    prior = MoleculePrior.load(resolve_prior(args.prior, "molecules"))
    rng = np.random.default_rng(0)
    test = read_smiles(args.data, "test")
    test = [test[i] for i in rng.permutation(len(test))[: args.n]]
    train = read_smiles(args.data, "train")
    train = [train[i] for i in rng.permutation(len(train))[:20_000]]
    gen = torch.Generator().manual_seed(0)
    x_test, x_train = latents(prior, test), latents(prior, train)
    x_samples = sample(prior.denoiser, args.n, prior.latent_dim, prior.schedule, gen)
    out = {
        "heldout_molecules": mean_qed(test),
        "heldout_decoded": mean_qed(prior.decode(x_test)),
        "samples_decoded": mean_qed(prior.decode(x_samples)),
    }
    for noise in (0.2, 0.5, 1.0):
        noisy = x_test + noise * torch.randn(x_test.shape, generator=gen)
        out[f"heldout_plus_noise_{noise}"] = mean_qed(prior.decode(noisy))
    for k in (3, 6, 10, 15):
        x, t = round_trip(prior.denoiser, x_test, prior.schedule, k, gen)
        out[f"round_trip_t{t}"] = {"qed": mean_qed(prior.decode(x)), "moved": float((x - x_test).norm(dim=1).mean())}
    out["nearest_training_latent"] = {
        "heldout": float(torch.cdist(x_test, x_train).min(1).values.median()),
        "samples": float(torch.cdist(x_samples, x_train).min(1).values.median()),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
