"""Measure a sequence prior and write its CARD.md + quality.json.

Every number in the card is computed here, by our own code, on the machine that runs it:
- samples: the distribution of oracle values under the prior (campaign sampling: DDIM, eta = 1) against
  the training data, the infeasible fraction, uniqueness, novelty;
- the autoencoder's exact reconstruction of held-out sequences;
- the reward model's held-out R² and Spearman (designer_app.models.reward.fit_ensemble on the prior's
  featuriser, as campaigns fit it) at 100 and 500 labels on the built-in oracles.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from designer_app.atomic import atomic_write_json, atomic_write_text
from designer_app.config import RewardConfig
from designer_app.models.latent_diffusion import sample
from designer_app.models.reward import fit_ensemble, heldout_scores
from designer_app.models.sequences.codes import from_codes
from designer_app.models.sequences.prior import SequencePrior
from designer_app.pretraining.sequence_data import SequenceDataset
from designer_app.pretraining.sequence_recipe import recipe_for

Scorer = Callable[[Sequence[str]], list]  # sequences -> values (None = infeasible)
LABEL_COUNTS = (100, 500)


def oracle_scorer(spec: str, domain: str) -> Scorer:
    """The built-in oracle `spec` as a plain function; infeasible or failed items give None."""
    from designer_app.oracles import parse_oracle

    oracle = parse_oracle(spec, domain=domain)
    return lambda items: [r.value if r.status == "ok" else None for r in oracle.score(list(items))]


def oracle_specs(domain: str) -> list[str]:
    """The built-in oracles the domain's card measures (its recipe's), the main one first."""
    return list(recipe_for(domain).card_oracles)


def value_distribution(values: Sequence[float | None]) -> dict:
    """Mean, quantiles, fraction >= 0.95 and best of the feasible values; infeasible fraction."""
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    out = {"n": len(values), "infeasible_fraction": 1 - len(arr) / max(1, len(values))}
    if arr.size:
        q = np.percentile(arr, [10, 50, 90, 99])
        out.update(
            mean=float(arr.mean()),
            sd=float(arr.std()),
            p10=float(q[0]),
            median=float(q[1]),
            p90=float(q[2]),
            p99=float(q[3]),
            frac_ge_095=float((arr >= 0.95).mean()),
            frac_positive=float((arr > 0).mean()),
            best=float(arr.max()),
        )
    return out


def sample_quality(prior: SequencePrior, n: int, data_seqs: list[str], main_oracle: Scorer, seed: int = 0) -> dict:
    """Oracle values of n prior samples vs the training data, plus uniqueness and novelty."""
    from designer_app.domains import get_domain

    domain = get_domain(prior.config.domain)
    t0 = time.monotonic()
    x = sample(prior.denoiser, n, prior.sample_shape, prior.schedule, torch.Generator().manual_seed(seed))
    seqs = prior.decode(x)
    seconds = time.monotonic() - t0
    keys = [domain.key(s) for s in seqs]
    train_keys = {domain.key(s) for s in data_seqs}
    plain = None
    if prior.config.allowed_pairs is not None:  # what the same samples give without the pair constraint
        with torch.no_grad():
            codes = prior.autoencoder.generate(x * prior.latent_std + prior.latent_mean).numpy()
        plain = value_distribution(main_oracle(from_codes(codes, prior.alphabet)))
        plain["changed_by_constraint"] = float(
            np.mean([a != b for a, b in zip(from_codes(codes, prior.alphabet), seqs)])
        )
    rng = np.random.default_rng(seed)
    data_sub = [data_seqs[i] for i in rng.choice(len(data_seqs), min(n, len(data_seqs)), replace=False)]
    return {
        "n_samples": n,
        "sample_steps": prior.schedule.sample_steps,
        "samples_per_second": n / seconds,
        "uniqueness": len(set(keys)) / n,
        "novelty": float(np.mean([k not in train_keys for k in set(keys)])),
        "in_training_set": float(np.mean([k in train_keys for k in keys])),
        "samples": value_distribution(main_oracle(seqs)),
        "data": value_distribution(main_oracle(data_sub)),
        "samples_unconstrained_decode": plain,
        "examples": seqs[:8],
    }


def reward_accuracy(
    prior: SequencePrior,
    seqs: list[str],
    scorers: dict[str, Scorer],
    n_test: int = 2000,
    seed: int = 0,
    reward: RewardConfig = RewardConfig(),
) -> dict:
    """Held-out R² / Spearman of the reward ensemble (campaign defaults) on the featuriser, per oracle
    and label count. Labels and test set are disjoint random draws from `seqs` (feasible ones only)."""
    latents = prior.encode(seqs)
    keep = [i for i, z in enumerate(latents) if z is not None]
    with torch.no_grad():
        feats_all = prior.featurise(torch.tensor([latents[i] for i in keep], dtype=torch.float32))
    seqs = [seqs[i] for i in keep]
    out: dict = {}
    for name, scorer in scorers.items():
        values = scorer(seqs)
        ok = np.array([v is not None for v in values])
        y_all = np.array([v if v is not None else np.nan for v in values], dtype=float)
        idx = np.random.default_rng(seed).permutation(np.flatnonzero(ok))
        test = idx[:n_test]
        out[name] = {}
        for n_labels in LABEL_COUNTS:
            train = idx[n_test : n_test + n_labels]
            if len(train) < n_labels or len(test) < min(100, n_test):
                continue
            y = torch.tensor(y_all[train], dtype=torch.float32)
            model, _ = fit_ensemble(feats_all[train], y, reward, seed)
            with torch.no_grad():
                pred, _ = model.mean_std(feats_all[test])
            out[name][str(n_labels)] = heldout_scores(pred.numpy(), y_all[test])
    return out


def write_card(
    prior_dir: Path, command: str, n_samples: int = 10_000, reward: RewardConfig | None = None, n_test: int = 2000
) -> dict:
    """Measure the prior in `prior_dir` and write quality.json and CARD.md next to it. The reward model
    measured is the one campaigns on this prior get: RewardConfig defaults under the prior's recommended
    `reward` settings, unless `reward` is given (tests pass tiny settings)."""
    started = time.monotonic()
    prior = SequencePrior.load(prior_dir)
    if reward is None:
        reward = RewardConfig(**prior.extra.get("campaign_defaults", {}).get("reward", {}))
    work = prior_dir / "work"
    state = json.loads((work / "state.json").read_text()) if (work / "state.json").exists() else {}
    dataset = SequenceDataset.load(work / "data.npz")
    domain = prior.config.domain
    specs = oracle_specs(domain)
    scorers = {spec: oracle_scorer(spec, domain) for spec in specs}
    data_seqs = from_codes(dataset.codes[dataset.prior_mask], prior.alphabet)
    quality = sample_quality(prior, n_samples, data_seqs, scorers[specs[0]])
    # labels and test set, disjoint from the training data (a seed the training data did not use)
    pool = recipe_for(domain).test_pool(n_test + max(LABEL_COUNTS), np.random.default_rng(2**31 - 1))
    accuracy = reward_accuracy(prior, pool, scorers, n_test=n_test, reward=reward)
    params = {
        "autoencoder": sum(p.numel() for p in prior.autoencoder.parameters()),
        "denoiser": sum(p.numel() for p in prior.denoiser.parameters()),
    }
    report = {
        "quality": quality,
        "reward_accuracy": accuracy,
        "training": prior.extra.get("training", {}),
        "pretrain": prior.extra.get("pretrain", {}),
        "parameters": params,
        "features": list(prior.config.features),
        "feature_dim": prior.feature_dim,
        "reward_config": asdict(reward),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads",
        "command": command,
        "wall_minutes": state.get("wall_minutes"),
        "n_test": n_test,
    }
    report["card_minutes"] = round((time.monotonic() - started) / 60, 2)
    atomic_write_json(prior_dir / "quality.json", report)
    from designer_app.pretraining.sequence_card import render_card

    atomic_write_text(prior_dir / "CARD.md", render_card(prior_dir.name, domain, report))
    return report
