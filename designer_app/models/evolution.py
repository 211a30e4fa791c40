"""Genetic operators of the `ga` baseline: AdaLead-style evolution of measured items.

AdaLead (Sinai et al. 2020, "AdaLead: A simple and robust adaptive greedy search algorithm for sequence
design") keeps the measured items whose fitness is within a threshold kappa of the best, recombines
pairs of them and mutates the offspring at about one position per item. We implement that idea from
its description (no model rollouts: the baseline spends no surrogate queries, so it shows what plain
evolution achieves with the same oracle budget):

- parents: measured items with score >= best - kappa * (best - worst), at least `min_parents`;
- recombination: with probability `recombination_rate`, one-point crossover of two parents' token
  lists (equal lengths cut at the same place; unequal lengths at proportional places);
- mutation: each token is replaced by another token of the alphabet with probability `mutation_rate`
  (0 = 1 / length);
- items without tokens (images) are recombined along image rows and mutated with Gaussian noise.

Tokens are SELFIES tokens of the prior's vocabulary for molecules (any SELFIES string decodes to a valid
molecule, so mutations never break valence) and letters of the domain's alphabet for sequences.
Everything is driven by one `random.Random`, so a seed reproduces a batch exactly.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from designer_app.config import EvolutionConfig


@dataclass(frozen=True)
class Scored:
    """A measured item and its true score."""

    item: str
    score: float


def select_parents(measured: Sequence[Scored], kappa: float, min_parents: int) -> list[Scored]:
    """AdaLead's parent set: items within `kappa` of the best as a fraction of the measured range,
    best first; topped up to `min_parents` by rank so early rounds with one outlier still recombine."""
    if not measured:
        return []
    ranked = sorted(measured, key=lambda s: -s.score)
    best, worst = ranked[0].score, ranked[-1].score
    threshold = best - kappa * (best - worst)
    chosen = [s for s in ranked if s.score >= threshold]
    return ranked[: max(len(chosen), min(min_parents, len(ranked)))]


class TokenCodec(Protocol):
    """How items of a domain become token lists and back.

    Attributes:
        alphabet: the tokens a mutation may write.
        max_len: the longest token list the sampler can represent (None = no limit).
    """

    alphabet: tuple[str, ...]
    max_len: int | None

    def tokens(self, item: str) -> list[str] | None: ...

    def item(self, tokens: Sequence[str]) -> str | None: ...


@dataclass(frozen=True)
class LetterCodec:
    """Sequences: one token per letter."""

    alphabet: tuple[str, ...]
    max_len: int | None = None

    def tokens(self, item: str) -> list[str] | None:
        return list(item) if item else None

    def item(self, tokens: Sequence[str]) -> str | None:
        return "".join(tokens) or None


@dataclass(frozen=True)
class SelfiesCodec:
    """Molecules: SELFIES tokens of the prior's vocabulary; items are canonical SMILES."""

    alphabet: tuple[str, ...]
    max_len: int | None = None

    def tokens(self, item: str) -> list[str] | None:
        import selfies as sf

        from designer_app.domains import chemistry

        encoded = chemistry.smiles_to_selfies(item)
        return list(sf.split_selfies(encoded)) if encoded else None

    def item(self, tokens: Sequence[str]) -> str | None:
        from designer_app.domains import chemistry

        return chemistry.selfies_to_smiles("".join(tokens))


def crossover(a: Sequence[str], b: Sequence[str], rng: random.Random) -> list[str]:
    """One-point crossover: the head of `a` and the tail of `b`. Equal lengths are cut at the same
    position (sequences keep their length); unequal ones at the same relative position."""
    if len(a) < 2 or len(b) < 2:
        return list(a)
    i = rng.randrange(1, len(a))
    j = min(len(b) - 1, max(1, round(i * len(b) / len(a))))
    return list(a[:i]) + list(b[j:])


def mutate(tokens: Sequence[str], alphabet: Sequence[str], rate: float, rng: random.Random) -> list[str]:
    """Replace each token with probability `rate` by a different token of `alphabet`; at least one
    token changes, so a mutant never equals its parent by construction."""
    out = list(tokens)
    if not out or len(alphabet) < 2:
        return out
    positions = [i for i in range(len(out)) if rng.random() < rate] or [rng.randrange(len(out))]
    for i in positions:
        choice = rng.choice(alphabet)
        while choice == out[i]:
            choice = rng.choice(alphabet)
        out[i] = choice
    return out


def evolve_tokens(
    parents: Sequence[Scored],
    n: int,
    codec: TokenCodec,
    key: Callable[[str], str],
    known_keys: set[str],
    cfg: EvolutionConfig,
    rng: random.Random,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[str]:
    """Up to `n` new canonical items, none of whose keys is in `known_keys` or repeated in the batch.
    Gives up after `cfg.max_tries * n` attempts (the caller fills the rest)."""
    genomes = [t for t in (codec.tokens(p.item) for p in parents) if t]
    if not genomes:
        return []
    seen = set(known_keys)
    out: list[str] = []
    for _ in range(cfg.max_tries * n):
        if len(out) >= n:
            break
        if should_stop():
            raise InterruptedError("evolution stopped")
        child = list(rng.choice(genomes))
        if len(genomes) > 1 and rng.random() < cfg.recombination_rate:
            child = crossover(child, rng.choice(genomes), rng)
        rate = cfg.mutation_rate or 1.0 / max(1, len(child))
        child = mutate(child, codec.alphabet, rate, rng)
        if codec.max_len is not None:
            child = child[: codec.max_len]
        item = codec.item(child)
        if not item or key(item) in seen:
            continue
        seen.add(key(item))
        out.append(item)
    return out


def evolve_arrays(
    parents: np.ndarray, n: int, cfg: EvolutionConfig, rng: random.Random, bounds: tuple[float, float] | None = None
) -> np.ndarray:
    """Children of parent arrays (P, *shape): crossover of two parents along the first axis of the
    item (image rows: the top of one image over the bottom of another), then Gaussian noise of
    standard deviation `cfg.noise`, clipped to `bounds`. Returns (n, *shape)."""
    gen = np.random.default_rng(rng.randrange(2**32))
    children = []
    for _ in range(n):
        child = parents[rng.randrange(len(parents))].copy()
        axis = 1 if child.ndim >= 3 else 0  # (C, H, W): cut between image rows; vectors: one point
        if len(parents) > 1 and child.shape[axis] > 1 and rng.random() < cfg.recombination_rate:
            other = parents[rng.randrange(len(parents))]
            cut = rng.randrange(1, child.shape[axis])
            if axis == 1:
                child[:, cut:] = other[:, cut:]
            else:
                child[cut:] = other[cut:]
        child = child + gen.normal(0.0, cfg.noise, size=child.shape).astype(child.dtype)
        if bounds is not None:
            child = np.clip(child, *bounds)
        children.append(child)
    return np.stack(children) if children else np.zeros((0, *parents.shape[1:]), dtype=parents.dtype)


# ---- the engine's `evolve`: a whole batch in the sampler's space ---------------------------------
def codec_for(prior, domain) -> TokenCodec | None:
    """SELFIES tokens when the prior has a SELFIES vocabulary, letters when the domain has an
    alphabet, None (array evolution) otherwise."""
    vocab = getattr(prior, "vocab", None)
    if vocab is not None and hasattr(vocab, "tokens"):
        specials = set(vocab.tokens[:3])  # pad, begin, end are never written by a mutation
        return SelfiesCodec(tuple(t for t in vocab.tokens if t not in specials), getattr(vocab, "max_len", None))
    alphabet = getattr(domain, "alphabet", None)
    if alphabet:
        return LetterCodec(tuple(alphabet))
    return None


def evolve_proposal(
    engine,
    n: int,
    measured: Sequence[Scored],
    known_keys: set[str],
    seed: int,
    should_stop: Callable[[], bool] = lambda: False,
):
    """A batch of `n` evolved candidates as a core.protocols.Proposal, every one encoded into the
    sampler's space so the reward model can read it. When evolution cannot produce `n` new designs
    (too few parents, everything nearby already measured), the rest is sampled from the prior so the
    batch size, and so the budget, matches the other methods."""
    import torch

    cfg = engine.cfg.evolution
    rng = random.Random(seed)
    parents = select_parents(measured, cfg.kappa, cfg.min_parents)
    key = getattr(engine.domain, "key", None) or (lambda item: item)
    codec = codec_for(engine.prior, engine.domain)
    items: list[str | None] = []
    latents: list[list[float]] = []
    if parents and codec is not None:
        children = evolve_tokens(parents, n, codec, key, known_keys, cfg, rng, should_stop)
        canonical = [engine.canonical_item(c)[0] for c in children]
        encoded = engine.encode_items([c or "" for c in canonical]) if canonical else []
        for item, latent in zip(canonical, encoded):
            if item is not None and latent is not None:  # the vocabulary can represent it
                items.append(item)
                latents.append(latent)
    elif parents:
        vectors = [v for v in engine.encode_items([p.item for p in parents]) if v is not None]
        if vectors:
            shape = engine.shape
            arrays = np.asarray(vectors, dtype=np.float32).reshape(-1, *shape)
            bounds = (-1.0, 1.0) if len(shape) == 3 else None  # pixels live in [-1, 1]
            children = evolve_arrays(arrays, n, cfg, rng, bounds)
            x = torch.from_numpy(children).to(engine.device)
            decoded = engine.prior.decode(x, engine.items_dir)
            seen = set(known_keys)
            for item, latent in zip(decoded, children.reshape(len(children), -1).tolist()):
                if item is not None and key(item) not in seen:
                    seen.add(key(item))
                    items.append(item)
                    latents.append(latent)
    return _filled(engine, engine.checked(items, latents), n, seed, should_stop)


def _filled(engine, proposal, n: int, seed: int, should_stop: Callable[[], bool]):
    """`proposal` topped up to `n` candidates with samples of the shipped prior, so an evolving baseline's
    batch size, and so the budget, matches the other methods'."""
    from designer_app.core.protocols import Proposal

    if len(proposal.items) >= n:
        return proposal
    fill = engine.propose(n - len(proposal.items), None, seed + 1, should_stop)
    return Proposal(
        items=proposal.items + fill.items,
        latents=proposal.latents + fill.latents,
        feasible=proposal.feasible + fill.feasible,
        reasons=proposal.reasons + fill.reasons,
    )


def graph_proposal(
    engine,
    n: int,
    measured: Sequence[Scored],
    known_keys: set[str],
    seed: int,
    should_stop: Callable[[], bool] = lambda: False,
):
    """The `graph-ga` baseline's batch: Graph GA children of the measured molecules (models/molecules/
    graph_ga.py), encoded into the sampler's space where the prior's vocabulary can represent them (the
    others keep no latent: nothing fine-tunes on them), the rest filled from the prior like `ga`."""
    from designer_app.models.molecules.graph_ga import graph_ga_children

    key = getattr(engine.domain, "key", None) or (lambda item: item)
    children = graph_ga_children(
        [(s.item, s.score) for s in measured], n, set(known_keys), key, seed, should_stop=should_stop
    )
    latents = engine.encode_items(children) if children else []
    return _filled(engine, engine.checked(children, latents), n, seed, should_stop)
