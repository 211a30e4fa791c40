"""CARD.md of a sequence prior, rendered from the numbers sequence_quality measured (quality.json) and the
domain's recipe (its title, data and test-set text)."""

from __future__ import annotations

from designer_app.domains import get_domain
from designer_app.pretraining.sequence_recipe import recipe_for


def _f(v, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _dist_row(label: str, d: dict) -> str:
    return (
        f"| {label} | {d['n']:,} | {_f(d.get('mean'))} | {_f(d.get('p10'))} / {_f(d.get('median'))} / "
        f"{_f(d.get('p90'))} / {_f(d.get('p99'))} | {_f(d.get('frac_ge_095'), 4)} | {_f(d.get('frac_positive'), 3)} | "
        f"{_f(d.get('best'))} | {_f(d['infeasible_fraction'], 4)} |"
    )


def _unconstrained_row(q: dict) -> str:
    plain = q.get("samples_unconstrained_decode")
    if not plain:
        return ""
    return (
        _dist_row("same samples, plain argmax decode", plain) + "\n\nDecoding uses only the adjacent letter pairs "
        f"seen in the training data (Viterbi over the decoder's letter probabilities); it changed "
        f"{plain['changed_by_constraint']:.1%} of the samples. The last row shows what the plain per-position "
        "argmax would give.\n"
    )


def _reward_text(cfg: dict) -> str:
    heads = cfg.get("n_heads", 5)
    if cfg.get("conv_length"):
        return f"as the prior recommends, a {heads}-head bootstrap ensemble of convolutional heads over the letter probabilities"
    return f"the default {heads}-head bootstrap MLP ensemble"


def render_card(name: str, domain: str, r: dict) -> str:
    q, t, p, acc = r["quality"], r["training"], r["pretrain"], r["reward_accuracy"]
    acc_rows = "\n".join(
        f"| `{oracle}` | {n} | {v['r2']:.3f} | {v['spearman']:.3f} |"
        for oracle, by_n in acc.items()
        for n, v in by_n.items()
    )
    features = " + ".join(r["features"])
    wall = r.get("wall_minutes")
    wall_text = (
        (
            f"{wall:.1f} min for data and training (every run of the command together), then "
            f"{r.get('card_minutes', 0):.1f} min to measure this card"
        )
        if wall
        else "not recorded"
    )
    recipe, letters = recipe_for(domain), get_domain(domain)
    main_oracle = recipe.card_oracles[0]
    joined = ", reverse complements joined" if getattr(letters, "double_stranded", False) else ""
    return f"""# {name}: {recipe.title}

Sequence VAE (one-hot {p.get("length")} x {len(letters.alphabet)} -> {p.get("latent_dim")}-d latent, MLP encoder/decoder, per-position logits, decode = argmax)
with an auxiliary property head (composition of k-mers, k in {tuple(p.get("kmers", ()))}{", averaged over both strands" if p.get("both_strands") else ""}{", GC content" if p.get("gc") else ""}),
and an MLP diffusion model (DDPM training, DDIM eta = 1 sampling) on its standardised posterior-mean latents.

## Data and licence
{recipe.data_text.format(n_train=p.get("n_train", 0), n_heldout=p.get("n_heldout", 0))}

## Command
```
{r["command"]}
```
Training is resumable: rerunning the command continues from `<out>/work/` (the `work/` folder is not shipped).
Wall time: {wall_text}.

## Training
| part | parameters | steps | wall time |
|---|---|---|---|
| autoencoder | {r["parameters"]["autoencoder"]:,} | {t.get("autoencoder_steps")} | {t.get("autoencoder_minutes")} min |
| latent denoiser | {r["parameters"]["denoiser"]:,} | {t.get("diffusion_steps")} | {t.get("diffusion_minutes")} min |

Machine: {r["machine"]} (CPU only, shared with other jobs). Held-out exact reconstruction (posterior mean,
argmax decode) of sequences never trained on: **{_f(t.get("heldout_exact_reconstruction"), 4)}**.

## Samples ({q["n_samples"]:,} prior samples, {q["sample_steps"]} DDIM steps with eta = 1, as campaigns sample)
Values of `{main_oracle}`; p10 / median / p90 / p99; "infeasible" = the oracle returns None
(e.g. protein: a banned transition of the Ehrlich DMP).

| set | n | mean | quantiles | fraction >= 0.95 | fraction > 0 | best | infeasible |
|---|---|---|---|---|---|---|---|
{_dist_row("prior samples", q["samples"])}
{_dist_row("training data", q["data"])}
{_unconstrained_row(q)}
| metric | value |
|---|---|
| uniqueness (distinct designs / samples{joined}) | {q["uniqueness"]:.4f} |
| novelty (distinct designs not in the training set) | {q["novelty"]:.4f} |
| samples that are training sequences | {q["in_training_set"]:.4f} |
| sampling + decoding speed | {q["samples_per_second"]:.0f} sequences/s |

Example samples: {", ".join("`" + s + "`" for s in q["examples"][:6])}

## Reward model on the featuriser
Featuriser: {features} ({r["feature_dim"]} features; differentiable in the latent). Reward model: what
campaigns on this prior get, {_reward_text(r.get("reward_config", {}))} (`designer_app.models.reward.fit_ensemble`).
Held-out R² and Spearman on {r.get("n_test", 2000):,} test sequences disjoint from the labelled ones
({recipe.test_pool_text}).

| oracle | labels | R² | Spearman |
|---|---|---|---|
{acc_rows}
"""
