"""Measure a molecule prior and write its CARD.md: sample quality against held-out MOSES molecules,
and the reward model's held-out accuracy on the prior's featuriser at a few label counts.

Every number in the card is computed here, by our own code, on the machine that runs it.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from designer_app.atomic import atomic_write_json, atomic_write_text
from designer_app.config import RewardConfig
from designer_app.domains import chemistry
from designer_app.models.latent_diffusion import sample
from designer_app.models.molecules.prior import MoleculePrior
from designer_app.models.reward import fit_ensemble, heldout_scores
from designer_app.pretraining.molecule_data import read_smiles


def _distribution(values: list[float]) -> dict:
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return {}
    q = np.percentile(arr, [10, 50, 90])
    return {
        "mean": float(arr.mean()),
        "sd": float(arr.std()),
        "p10": float(q[0]),
        "median": float(q[1]),
        "p90": float(q[2]),
    }


def sample_quality(prior: MoleculePrior, n: int, train_smiles: set[str], heldout: list[str], seed: int = 0) -> dict:
    """Validity, uniqueness, novelty, filters, and property distributions of n prior samples."""
    from scipy.stats import wasserstein_distance

    t0 = time.monotonic()
    x = sample(prior.denoiser, n, prior.latent_dim, prior.schedule, torch.Generator().manual_seed(seed))
    sample_seconds = time.monotonic() - t0
    t0 = time.monotonic()
    smiles = prior.decode(x)
    decode_seconds = time.monotonic() - t0
    valid = [s for s in smiles if s is not None and chemistry.mol_from_smiles(s) is not None]
    unique = set(valid)
    novel = unique - train_smiles
    gen_desc = chemistry.descriptor_matrix(sorted(unique))
    ref_desc = chemistry.descriptor_matrix(heldout)
    names = list(chemistry.DESCRIPTOR_NAMES)
    out = {
        "n_samples": n,
        "sample_steps": prior.schedule.sample_steps,
        "validity": len(valid) / n,
        "uniqueness": len(unique) / max(1, len(valid)),
        "novelty": len(novel) / max(1, len(unique)),
        "filters_pass": float(np.mean([chemistry.passes_medchem_filters(s) for s in sorted(unique)])),
        "heldout_filters_pass": float(np.mean([chemistry.passes_medchem_filters(s) for s in heldout])),
        "samples_per_second": n / (sample_seconds + decode_seconds),
        "sample_seconds": sample_seconds,
        "decode_seconds": decode_seconds,
        "properties": {},
    }
    for prop in ("qed", "sa_score", "heavy_atoms", "logp", "mol_wt", "rings"):
        j = names.index(prop)
        gen = gen_desc[:, j][~np.isnan(gen_desc[:, j])]
        ref = ref_desc[:, j][~np.isnan(ref_desc[:, j])]
        out["properties"][prop] = {
            "samples": _distribution(gen.tolist()),
            "heldout": _distribution(ref.tolist()),
            "wasserstein": float(wasserstein_distance(gen, ref)),
        }
    out["examples"] = sorted(unique)[:12]
    return out


def reward_accuracy(
    prior: MoleculePrior, smiles: list[str], labels_list=(100, 300, 1000), n_test: int = 2000, seed: int = 0
) -> dict:
    """Held-out R² / Spearman of the reward ensemble on the featuriser for qed and sa, by label count, on
    two kinds of molecules:
    - "heldout": MOSES test molecules at their encoded latents (how a campaign featurises molecules the
      user imports);
    - "sampled": the prior's own samples, labelled with what their latents decode to — the molecules a
      campaign proposes and measures, which are less drug-like than MOSES and harder to rank.
    """
    latents = prior.encode(smiles)
    keep = [i for i, z in enumerate(latents) if z is not None]
    keep = list(np.random.default_rng(seed).permutation(keep))
    heldout = [smiles[i] for i in keep]
    with torch.no_grad():
        feats = prior.featurise(torch.tensor([latents[i] for i in keep], dtype=torch.float32))
    n_sampled = n_test + max(labels_list)
    x = sample(prior.denoiser, n_sampled, prior.latent_dim, prior.schedule, torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        sampled_feats = torch.cat([prior.featurise(x[i : i + 1000]) for i in range(0, n_sampled, 1000)])
    decoded = [s or "" for s in prior.decode(x)]
    out: dict = {}
    for kind, mols, f in (("heldout", heldout, feats), ("sampled", decoded, sampled_feats)):
        desc = chemistry.descriptor_matrix(mols).astype(float)  # (N, len(DESCRIPTOR_NAMES)), NaN rows if invalid
        names = chemistry.DESCRIPTOR_NAMES
        targets = {"qed": desc[:, names.index("qed")], "sa": (10 - desc[:, names.index("sa_score")]) / 9}
        for name, y in targets.items():
            ok = np.flatnonzero(~np.isnan(y))  # molecules RDKit could not score are left out
            test, pool = ok[:n_test], ok[n_test:]
            out.setdefault(kind, {})[name] = {}
            for n_labels in labels_list:
                train = pool[:n_labels]
                model, _ = fit_ensemble(f[train], torch.tensor(y[train], dtype=torch.float32), RewardConfig(), seed)
                with torch.no_grad():
                    pred, _ = model.mean_std(f[test])
                out[kind][name][str(n_labels)] = heldout_scores(pred.numpy(), y[test])
    return out


def write_card(
    prior_dir: Path,
    data_file: Path,
    command: str,
    n_samples: int = 10_000,
    labels: tuple[int, ...] = (100, 300, 1000),
    n_test: int = 2000,
) -> dict:
    """Measure the prior in `prior_dir` and write quality.json and CARD.md next to it (the reward model
    at `labels` labels, tested on `n_test` molecules of each kind)."""
    prior = MoleculePrior.load(prior_dir)
    state = (
        json.loads((prior_dir / "work" / "state.json").read_text())
        if (prior_dir / "work" / "state.json").exists()
        else {}
    )
    prior_cfg = json.loads((prior_dir / "config.json").read_text())
    train = prior_cfg.get("training", {})
    pretrain_cfg = prior_cfg.get("pretrain", {})
    from designer_app.pretraining.molecule_data import MoleculeDataset

    cache = prior_dir / "work" / "data.npz"
    train_smiles = set()
    if cache.exists():
        train_smiles = {chemistry.canonical_smiles(s) for s in MoleculeDataset.load(cache).smiles}
    heldout_all = read_smiles(data_file, "test") if str(data_file).endswith(".whl") else []
    rng = np.random.default_rng(1)
    heldout = [heldout_all[i] for i in rng.permutation(len(heldout_all))[:10_000]] if heldout_all else []
    quality = sample_quality(prior, n_samples, train_smiles, heldout)
    accuracy = reward_accuracy(prior, heldout[: n_test + max(labels)], labels, n_test) if heldout else {}
    params = {
        "autoencoder": sum(p.numel() for p in prior.autoencoder.parameters()),
        "denoiser": sum(p.numel() for p in prior.denoiser.parameters()),
    }
    report = {
        "quality": quality,
        "reward_accuracy": accuracy,
        "reward_test_molecules": n_test,
        "training": train,
        "parameters": params,
        "pretrain": pretrain_cfg,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads",
        "command": command,
        "heldout_reconstruction": state.get("ae_heldout_exact_reconstruction"),
    }
    atomic_write_json(prior_dir / "quality.json", report)
    atomic_write_text(prior_dir / "CARD.md", render_card(prior_dir.name, report))
    return report


def _calibration(training: dict) -> str:
    cal = training.get("featuriser_calibration")
    if not cal:
        return "not applied (it did not improve the held-out pairs)"
    return f"{cal['qed_spearman_before']:.3f} → {cal['qed_spearman_after']:.3f} on {cal['featuriser_pairs']:,} pairs"


def _latent_settings(r: dict) -> str:
    """The card's sentence on the settings that shape the latent: the KL weight and the smoothing noise."""
    cfg = r["pretrain"]
    noise = (
        f"{cfg.get('decoder_noise')} latent sd" if r["training"].get("decoder_smoothing_steps") else "– (not smoothed)"
    )
    return (
        f"Autoencoder KL weight {cfg.get('kl_weight')} (β-VAE, warmed up over {cfg.get('kl_warmup_steps')} steps); "
        f"decoder smoothing noise\nceiling {noise}."
    )


def render_card(name: str, r: dict) -> str:
    q, t, acc = r["quality"], r["training"], r["reward_accuracy"]
    props = q["properties"]

    def row(p: str) -> str:
        s, h = props[p]["samples"], props[p]["heldout"]
        return (
            f"| {p} | {s['mean']:.3f} ± {s['sd']:.3f} | {h['mean']:.3f} ± {h['sd']:.3f} | "
            f"{s['median']:.3f} / {h['median']:.3f} | {props[p]['wasserstein']:.3f} |"
        )

    acc_rows = "\n".join(
        f"| {kind} | {name_} | {n} | {v['r2']:.3f} | {v['spearman']:.3f} |"
        for kind, by_name in acc.items()
        for name_, by_n in by_name.items()
        for n, v in by_n.items()
    )
    return f"""# {name}: latent-diffusion molecule prior (MOSES)

SELFIES variational autoencoder with auxiliary RDKit-descriptor heads + an MLP diffusion model on its latent.

## Data and licence
- MOSES training SMILES (Polykovskiy et al. 2020, MIT licence), read straight from the `molsets` wheel:
  `pip download --no-deps molsets==0.3.1` then `--data molsets-0.3.1-py3-none-any.whl`; the wheel's
  `moses/dataset/data/train.csv.gz` is used for training (a seeded random subset of
  {r["pretrain"].get("n_train", 0):,} molecules; RDKit descriptors for the auxiliary heads on the first
  {r["pretrain"].get("n_with_props", 0):,}) and `test.csv.gz` (MOSES's held-out test set) for comparison.
- Weights: same licence as this project.

## Command
```
{r["command"]}
```
Training is resumable: rerunning the command continues from `<out>/work/` (the `work/` folder is not shipped).

## Training
| part | parameters | steps | wall time |
|---|---|---|---|
| autoencoder | {r["parameters"]["autoencoder"]:,} | {t.get("autoencoder_steps")} | {t.get("autoencoder_minutes")} min |
| latent denoiser | {r["parameters"]["denoiser"]:,} | {t.get("diffusion_steps")} | {t.get("diffusion_minutes")} min |
| decoder smoothing (decoder only, `pretraining/decoder_smoothing.py`) | — | {t.get("decoder_smoothing_steps", 0)} | {t.get("decoder_smoothing_minutes", 0)} min |

{_latent_settings(r)}
Machine: {r["machine"]} (CPU only). Held-out exact SELFIES reconstruction (greedy decode of the posterior mean):
{(r["heldout_reconstruction"] or 0):.3f}. Featuriser calibration (Spearman of predicted vs decoded-molecule QED on
held-out latent pairs, before → after): {_calibration(t)}.

## Sample quality ({q["n_samples"]:,} samples, {q["sample_steps"]} DDIM steps with eta = 1 as campaigns sample, greedy decoding)
| metric | value |
|---|---|
| validity (RDKit sanitises) | {q["validity"]:.4f} |
| uniqueness | {q["uniqueness"]:.4f} |
| novelty vs training molecules | {q["novelty"]:.4f} |
| medicinal-chemistry filters pass (samples / held-out) | {q["filters_pass"]:.3f} / {q["heldout_filters_pass"]:.3f} |
| sampling + decoding speed | {q["samples_per_second"]:.0f} molecules/s |

| property | samples mean ± sd | held-out MOSES mean ± sd | medians (samples / held-out) | Wasserstein |
|---|---|---|---|---|
{row("qed")}
{row("sa_score")}
{row("heavy_atoms")}
{row("logp")}
{row("mol_wt")}
{row("rings")}

Example samples: {", ".join("`" + s + "`" for s in q["examples"][:6])}

## Reward model on the featuriser ({r.get("reward_test_molecules", 2000):,} test molecules of each kind)
5-head bootstrap MLP ensemble on the featuriser (property-head hidden layer + predicted descriptors).
`sa` is (10 − SA)/9. `heldout`: MOSES test molecules at their encoded latents, as molecules a user imports are.
`sampled`: the prior's own samples, labelled by the molecule each latent decodes to — what a campaign
proposes and measures. The featuriser was pretrained to predict QED and SA among 14 descriptors, so these
two oracles are easy for it; oracles unrelated to the descriptors will be harder.

| molecules | oracle | labels | R² | Spearman |
|---|---|---|---|---|
{acc_rows}
"""
