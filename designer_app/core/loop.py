"""The SEIKO campaign loop as a generator of events, resumable from the store after any stop.

Each round moves through proposed -> (awaiting_scores) -> scored -> fitted -> finetuned -> done.
Every transition is written in one transaction, after the files it names were written atomically,
so a crash at any point resumes from the last committed status: a killed proposal is proposed again
(same seed), a killed scoring call is repeated (its results were never committed), a killed fit or
fine-tune is redone from the previous checkpoint.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from designer_app.config import CampaignConfig
from designer_app.core import methods, metrics, selection
from designer_app.core.protocols import FAILED, Engine, Oracle, OracleResult, Proposal, Store
from designer_app.core.records import (
    AWAITING,
    DONE,
    FINETUNED,
    FITTED,
    PROPOSED,
    SCORED,
    CandidateRecord,
    NewCandidate,
    finite,
)
from designer_app.events import (
    CampaignFinished,
    CandidatesProposed,
    Event,
    FinetuneFinished,
    FinetuneProgress,
    LogMessage,
    RewardFitted,
    RoundFinished,
    RoundStarted,
    ScoresAwaited,
    ScoresRecorded,
    Stopped,
)

REWARD, DENOISER = "reward", "denoiser"


class OracleUnavailable(RuntimeError):
    """Every oracle call of a round failed; the round was left unscored (see `_score`)."""


@dataclass
class Campaign:
    """The parts of one campaign, wired by the CLI or GUI.

    `allow_partial`: a round awaiting lab scores goes on (fit, fine-tune, next round) once at least one
    of its candidates has a final measurement; the rest stay pending and count when they arrive.
    """

    config: CampaignConfig
    store: Store
    engine: Engine
    oracle: Oracle
    allow_partial: bool = False

    @property
    def checkpoints(self) -> Path:
        return Path(self.store.folder) / "checkpoints"


def round_seed(cfg: CampaignConfig, index: int, phase: int) -> int:
    return (cfg.seed * 1_000_003 + index * 101 + phase) % (2**31)


def run(
    campaign: Campaign, max_rounds: int | None = None, should_stop: Callable[[], bool] = lambda: False
) -> Iterator[Event]:
    """Advance the campaign until the budget is spent, scores are awaited, `max_rounds` new rounds
    were started, or `should_stop()` turns true. Every event is also written to the store's log
    (fine-tuning steps too, so training curves can be redrawn when a campaign is reopened)."""
    for event in _run(campaign, max_rounds, should_stop):
        campaign.store.log_event(getattr(event, "round", None), type(event).__name__, event.to_json())
        yield event


def _run(campaign: Campaign, max_rounds: int | None, should_stop) -> Iterator[Event]:
    cfg, store = campaign.config, campaign.store
    started = 0
    for index, batch in enumerate(cfg.batch_sizes(), start=1):
        record = store.round(index)
        if record is not None and record.status == DONE:
            continue
        if record is None:
            if max_rounds is not None and started >= max_rounds:
                return
            started += 1
        if should_stop():
            yield Stopped(index, record.status if record else "not started")
            return
        finished = yield from _advance(campaign, index, batch, should_stop)
        if not finished:
            return
    best, calls = _figures(store)
    yield CampaignFinished(best_so_far=best, oracle_calls=calls)


def _advance(campaign: Campaign, index: int, batch: int, should_stop) -> Generator[Event, None, bool]:
    """Advance one round as far as possible. Returns True when the round is done."""
    cfg, store = campaign.config, campaign.store
    plan = methods.plan(cfg, index)
    t_round = time.monotonic()
    try:
        if store.round(index) is None:
            yield RoundStarted(index, batch)
            yield from _propose(campaign, index, batch, plan, should_stop)
        elif _refill_needed(store, index, batch):  # rolled back (store.rollback): propose what it discarded
            yield RoundStarted(index, batch)
            yield from _propose(campaign, index, batch, plan, should_stop, refill=True)
        status = store.round(index).status
        if status == PROPOSED:
            if campaign.oracle.is_manual:
                store.set_status(index, AWAITING)
                status = AWAITING
            else:
                yield from _score(campaign, index)
                status = SCORED
        if status == AWAITING:
            in_round = store.candidates(index, with_latents=False)
            waiting = [c for c in in_round if c.awaits_score]
            partial = campaign.allow_partial and any(c.measured_here for c in in_round)
            if waiting and not partial:
                yield ScoresAwaited(index, len(waiting))
                return False
            if waiting:
                yield LogMessage(
                    "info",
                    f"round {index}: going on with partial scores (allow partial); "
                    f"{len(waiting)} candidates still pending count when their scores arrive",
                )
            store.set_status(index, SCORED)
            status = SCORED
        if should_stop():
            yield Stopped(index, status)
            return False
        if status == SCORED:
            yield from _fit(campaign, index, plan, should_stop)
            status = FITTED
        if status == FITTED:
            yield from _finetune(campaign, index, plan, should_stop)
            status = FINETUNED
        if status == FINETUNED:
            store.set_status(index, DONE)
    except InterruptedError:
        yield Stopped(index, store.round(index).status if store.round(index) else "not started")
        return False
    best, calls = _figures(store)
    yield RoundFinished(index, best, calls, round(time.monotonic() - t_round, 3))
    return True


# ---- SEIKO step 1: Propose ---------------------------------------------------------------------
def _refill_needed(store: Store, index: int, batch: int) -> bool:
    """A rolled-back round back at `proposed` with fewer live candidates than its batch size."""
    record = store.round(index)
    return (
        record.status == PROPOSED
        and record.metrics.get("rollbacks", 0) > 0
        and len(store.candidates(index, with_latents=False)) < batch
    )


def _propose(campaign: Campaign, index: int, batch: int, plan, should_stop, refill: bool = False) -> Iterator[Event]:
    cfg, store, engine = campaign.config, campaign.store, campaign.engine
    t0 = time.monotonic()
    seed_phase = 1
    if refill:  # fresh proposals (another seed) for the places a rollback emptied
        seed_phase = 1 + 10 * int(store.round(index).metrics.get("rollbacks", 0))
        batch = batch - len(store.candidates(index, with_latents=False))
    model = store.latest_checkpoint(DENOISER, before_round=index) if cfg.method != "pretrained" else None
    model_path = str(store.checkpoint_path(model)) if model else None
    known = store.candidates(with_latents=False)  # keys and measured items only: no latent is needed
    stored_keys = {c.key for c in known if c.key}
    measured = _measured(known)
    ranked = _for_ranking(known, measured)

    def draw(n: int, seed: int, known_keys: set[str]) -> Proposal:
        if plan.screen:  # the `screen` baseline measures random library items
            return engine.screen(n, known_keys, seed)
        if plan.evolve:  # the evolving baselines breed from what was measured instead of sampling
            return engine.evolve(n, measured, known_keys, seed, should_stop, plan.operator)
        return engine.propose(n, model_path, seed, should_stop)

    seed = round_seed(cfg, index, seed_phase)
    # SEIKO step 1 with selection: a pool of the tuned model's samples, the batch chosen from it
    pool_size = batch * cfg.selection.pool if plan.select else batch
    n_local = round(pool_size * cfg.selection.local) if plan.select and measured else 0
    proposal = draw(pool_size - n_local, seed, stored_keys)
    if n_local:
        proposal = _joined(proposal, _draw_near(campaign, n_local, model_path, measured, seed, should_stop))
    if cfg.top_up:
        proposal, short = _top_up(proposal, batch, stored_keys, cfg.top_up, seed, draw, engine.key)
        if short and model_path and not (plan.screen or plan.evolve):
            # A tuned model that has concentrated on a few designs (DNA's last rounds: 116 new in 1,280) is
            # topped up from the shipped prior, which still spreads over the whole space: the budget's calls
            # buy new designs rather than going unspent.
            def draw_prior(n: int, seed: int, known_keys: set[str]) -> Proposal:
                return engine.propose(n, None, seed, should_stop)

            proposal, short = _top_up(proposal, batch, stored_keys, cfg.top_up, seed + 31, draw_prior, engine.key)
        if short:
            yield LogMessage(
                "warning",
                f"round {index}: {short} of {batch} designs are repeats or infeasible after "
                f"{cfg.top_up} extra sampling passes; the round measures {batch - short} new designs "
                "(the sampler has concentrated: raise alpha, or lower beta/the learning rate)",
            )
    reward = store.latest_checkpoint(REWARD, before_round=index)
    reward_path = str(store.checkpoint_path(reward)) if reward else None
    pool_metrics: dict = {}
    if plan.select:
        proposal, pool_metrics, ranking = _choose(
            engine, proposal, batch, ranked, stored_keys, reward_path, plan, cfg, round_seed(cfg, index, 6)
        )
    else:
        ranking = _annotate(engine, proposal, ranked, reward_path, plan, cfg) if plan.fit else None
    candidates = [
        NewCandidate(
            item=item,
            key=engine.key(item) if item else "",
            feasible=ok,
            reason=why,
            latent=latent,
            predicted_mean=ranking.mean[i] if ranking else None,
            predicted_std=ranking.std[i] if ranking else None,
            acquisition=ranking.acquisition[i] if ranking else None,
        )
        for i, (item, latent, ok, why) in enumerate(
            zip(proposal.items, proposal.latents, proposal.feasible, proposal.reasons)
        )
    ]
    seconds = time.monotonic() - t0
    if refill:
        store.add_candidates(index, candidates, model.id if model else None)
    else:
        store.add_round(index, batch, candidates, model.id if model else None, seconds)
    if pool_metrics:
        store.add_round_metrics(index, pool_metrics)
    keys = [c.key for c in candidates if c.feasible]
    yield CandidatesProposed(index, len(candidates), len(keys), len(set(keys)), round(seconds, 3))


def _measured(known) -> list[tuple[str, float]]:
    """(item, score) of every design measured with a value, once per design (duplicates left out)."""
    return [(c.item, float(c.score)) for c in known if c.duplicate_of is None and c.item and c.score is not None]


def _for_ranking(known, measured: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The item model's training pairs: the measured scores, plus the designs the oracle judged infeasible
    (status ok, no value: an Ehrlich sequence with a banned transition) at the lowest score measured. Why:
    such a design is worse than any scored one, and a model that never sees them keeps proposing their
    neighbours, each an oracle call that buys no score."""
    if not measured:
        return measured
    floor = min(score for _, score in measured)
    infeasible = [
        (c.item, floor)
        for c in known
        if c.duplicate_of is None and c.item and c.feasible and c.score is None and c.score_status == "ok"
    ]
    return measured + infeasible


def _draw_near(campaign: Campaign, n: int, model_path, measured, seed: int, should_stop) -> Proposal:
    """Part of a round's pool drawn by the tuned model near the best measured designs (selection.local):
    their items encoded into the sampler's space, noised part of the way and denoised (Engine.propose_near)."""
    cfg, engine = campaign.config, campaign.engine
    best = sorted(measured, key=lambda pair: -pair[1])[: cfg.selection.local_starts]
    starts = [x for x in engine.encode_items([item for item, _ in best]) if x is not None]
    if not starts:
        return Proposal([], [], [], [])
    return engine.propose_near(
        n, model_path, starts, cfg.selection.local_strength, (seed + 7_919) % (2**31), should_stop
    )


def _joined(a: Proposal, b: Proposal) -> Proposal:
    return Proposal(a.items + b.items, a.latents + b.latents, a.feasible + b.feasible, a.reasons + b.reasons)


@dataclass(frozen=True)
class _Ranked:
    """Predictions aligned with a proposal's candidates (None where a candidate was not ranked)."""

    mean: list[float | None]
    std: list[float | None]
    acquisition: list[float | None]


def _new_designs(proposal: Proposal, stored_keys: set[str], key: Callable[[str], str]) -> list[int]:
    """Indices of the proposal's feasible designs that are neither stored nor earlier in the proposal."""
    seen, out = set(stored_keys), []
    for i, (item, ok) in enumerate(zip(proposal.items, proposal.feasible)):
        k = key(item) if item and ok else ""
        if k and k not in seen:
            seen.add(k)
            out.append(i)
    return out


def _annotate(engine: Engine, proposal: Proposal, measured, reward_path, plan, cfg) -> _Ranked | None:
    """Predictions for a proposal measured as drawn (no selection), from the same model that would rank a
    pool, so every method's batch Spearman (rank_r) is the same figure."""
    fresh = _new_designs(proposal, set(), engine.key)
    if not fresh:
        return None
    items = [proposal.items[i] or "" for i in fresh]
    ranking = engine.rank(items, [proposal.latents[i] for i in fresh], measured, reward_path, plan.acquisition, 0)
    if ranking is None:
        return None
    # a repeat within the draw gets its first occurrence's prediction (its score will be the original's)
    by_key = {engine.key(proposal.items[i] or ""): j for j, i in enumerate(fresh)}
    pick = [
        by_key.get(engine.key(item)) if item and ok else None for item, ok in zip(proposal.items, proposal.feasible)
    ]
    return _Ranked(
        mean=[ranking.mean[j] if j is not None else None for j in pick],
        std=[ranking.std[j] if j is not None else None for j in pick],
        acquisition=[ranking.acquisition[j] if j is not None else None for j in pick],
    )


def _choose(
    engine: Engine, pool: Proposal, batch: int, measured, stored_keys: set[str], reward_path, plan, cfg, seed: int
) -> tuple[Proposal, dict, _Ranked | None]:
    """The batch chosen from `pool` (core/selection.py): only new, feasible, distinct designs are eligible,
    ranked by the method's acquisition with the near-neighbour penalty. Returns the batch as a proposal,
    the round's pool figures, and the batch's predictions. With no model to rank yet (nothing measured)
    the batch is the pool's first new designs, i.e. plain sampling."""
    fresh = _new_designs(pool, stored_keys, engine.key)
    items = [pool.items[i] or "" for i in fresh]
    latents = [pool.latents[i] for i in fresh]
    ranking = engine.rank(items, latents, measured, reward_path, plan.acquisition, seed) if fresh else None
    if ranking is None:
        chosen = list(range(min(batch, len(fresh))))
        sims = [0.0] * len(chosen)
    else:
        picked = selection.select_batch(
            np.array(ranking.acquisition), batch, cfg.selection.diversity, ranking.similarity
        )
        chosen, sims = picked.chosen, picked.max_similarity
    take = [fresh[j] for j in chosen]
    out = Proposal(
        items=[pool.items[i] for i in take],
        latents=[pool.latents[i] for i in take],
        feasible=[pool.feasible[i] for i in take],
        reasons=[pool.reasons[i] for i in take],
    )
    figures = {
        "pool_size": len(pool.items),
        "pool_new": len(fresh),
        "pool_infeasible": sum(not ok for ok in pool.feasible),
        "batch_max_similarity": round(float(np.mean(sims)), 4) if sims else None,
        "ranking_model": ranking.model if ranking else None,
    }
    if ranking is None:
        return out, figures, None
    return (
        out,
        figures,
        _Ranked(
            mean=[ranking.mean[j] for j in chosen],
            std=[ranking.std[j] for j in chosen],
            acquisition=[ranking.acquisition[j] for j in chosen],
        ),
    )


def _top_up(
    proposal: Proposal,
    batch: int,
    stored_keys: set[str],
    passes: int,
    seed: int,
    draw: Callable[[int, int, set[str]], Proposal],
    key: Callable[[str], str],
) -> tuple[Proposal, int]:
    """Replace repeats and infeasible proposals by further samples until the round holds `batch` new
    designs (config `top_up`). Returns the first draw followed by the new designs the extra passes found,
    and how many the round is still short after `passes` passes.

    Why: a repeat of a stored design is not measured again, so a round that repeats a quarter of its
    batch (DNA at 4 x 128 did) measures a quarter less. The lab has the capacity it planned for, and a
    benchmark at equal oracle calls should spend them; the extra samples come from the same model, so
    what is proposed still follows the round's optimistic reward."""
    seen = set(stored_keys)

    def is_new(item: str | None, ok: bool) -> bool:
        """A feasible design neither stored nor drawn before in this round; remembered once seen."""
        k = key(item) if item and ok else ""
        if not k or k in seen:
            return False
        seen.add(k)
        return True

    items, latents, feasible, reasons = (
        list(proposal.items),
        list(proposal.latents),
        list(proposal.feasible),
        list(proposal.reasons),
    )
    fresh = sum(is_new(item, ok) for item, ok in zip(proposal.items, proposal.feasible))
    drawn, found = len(proposal.items), fresh
    for p in range(1, passes + 1):
        short = batch - fresh
        if short <= 0:
            break
        # Over-draw by the rate at which draws so far gave new designs (at least 1/16). Why not a fixed
        # factor: a concentrated sampler's extra draws repeat even more than its first (seiko-ucb, SIX6,
        # 4 x 128, seed 2: 47 new in the last round's first 128; eight passes of twice the shortfall
        # still left the round 74 short)
        rate = max(found / max(drawn, 1), 1 / 16)
        extra = draw(max(math.ceil(short / rate), 8), (seed + p * 104_729) % (2**31), set(seen))
        drawn += len(extra.items)
        for item, latent, ok, why in zip(extra.items, extra.latents, extra.feasible, extra.reasons):
            if not is_new(item, ok):
                continue
            found += 1  # every new design the pass found, also those the batch no longer needs
            if fresh < batch:
                fresh += 1
                items.append(item)
                latents.append(latent)
                feasible.append(ok)
                reasons.append(why)
    return Proposal(items, latents, feasible, reasons), max(0, batch - fresh)


# ---- SEIKO step 2: Score -----------------------------------------------------------------------
def _unscored(store: Store, index: int) -> list[CandidateRecord]:
    """The round's candidates that still await a score (CandidateRecord.awaits_score)."""
    return [c for c in store.candidates(index, with_latents=False) if c.awaits_score]


def _score(campaign: Campaign, index: int) -> Iterator[Event]:
    store, oracle = campaign.store, campaign.oracle
    t0 = time.monotonic()
    todo = _unscored(store, index)
    try:
        # a feasible candidate always has its item (every domain's feasibility refuses a missing one)
        results = oracle.score([c.item or "" for c in todo]) if todo else []
    except Exception as exc:  # adapters should not raise; if one does, nothing crashes and it is visible
        results = [OracleResult(None, FAILED, f"oracle raised {type(exc).__name__}: {exc}")] * len(todo)
    if len(results) != len(todo):
        results = [OracleResult(None, FAILED, f"oracle returned {len(results)} results for {len(todo)} items")] * len(
            todo
        )
    seconds = time.monotonic() - t0
    if todo and all(r.status == FAILED for r in results):
        # Every call failed: a broken oracle (wrong path, server down), not facts about the items. Nothing
        # is recorded, so the round stays `proposed` and the next run scores it again once fixed, instead
        # of the whole budget turning into failed measurements.
        raise OracleUnavailable(
            f"round {index}: all {len(todo)} oracle calls failed, so nothing was recorded (first failure: "
            f"{results[0].note or 'no reason given'}). Fix the oracle and run again: the round's proposals are kept "
            "and are scored then. Items that can never be measured can be marked with `designer-app edit-score "
            "NAME ID failed`."
        )
    store.record_measurements(
        [(c.id, r) for c, r in zip(todo, results)],
        source=f"oracle:{oracle.name}",
        round_status=(index, SCORED),
        phase_seconds=("score", seconds),
    )
    values = finite(r.value for r in results if r.status == "ok")
    ranked = [
        (c.predicted_mean, r.value)
        for c, r in zip(todo, results)
        if c.predicted_mean is not None and r.value is not None and r.status == "ok"
    ]
    yield ScoresRecorded(
        index,
        n_ok=sum(r.status == "ok" for r in results),
        n_failed=sum(r.status == FAILED for r in results),
        best=max(values) if values else None,
        mean=sum(values) / len(values) if values else None,
        seconds=round(seconds, 3),
        spearman=_rounded(metrics.spearman([p for p, _ in ranked], [y for _, y in ranked])),
    )


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# ---- SEIKO step 3: Fit -------------------------------------------------------------------------
def training_data(campaign: Campaign) -> tuple[list[list[float]], list[float]]:
    """Every scored, unique candidate so far; items without a sampler latent (imported by the user)
    are encoded into the sampler's space. The only reader in a round that needs the stored latents."""
    cands = [c for c in campaign.store.candidates(with_latents=True) if c.duplicate_of is None and c.score is not None]
    missing = [c for c in cands if c.latent is None and c.item]
    encoded = dict(zip((c.id for c in missing), campaign.engine.encode_items([c.item for c in missing])))
    latents, values = [], []
    for c in cands:
        latent = c.latent if c.latent is not None else encoded.get(c.id)
        if latent is not None:
            latents.append(latent)
            values.append(c.score)
    return latents, values


def _distillation_data(campaign: Campaign, index: int, should_stop) -> tuple[list[list[float]], list[float]]:
    """Samples of the model fine-tuning starts from, labelled by the item model's mean (config
    `selection.distil`). Why: fine-tuning needs a reward that is differentiable in the sampler's space,
    but the latent ensemble fitted on the labels alone ranks the sampler's own designs far worse than the
    GP on item features (Spearman 0.36 against 0.87 on 500 MPO labels); fitted on thousands of the GP's
    predictions as well, it follows the better model where the sampler actually goes. Empty when the item
    model cannot rank (no item features, or the campaign ranks with the latent model)."""
    cfg, store, engine = campaign.config, campaign.store, campaign.engine
    current = store.latest_checkpoint(DENOISER, before_round=index + 1)
    model_path = str(store.checkpoint_path(current)) if current else None
    draw = engine.propose(cfg.selection.distil, model_path, round_seed(cfg, index, 7), should_stop)
    keep = [i for i, (item, ok) in enumerate(zip(draw.items, draw.feasible)) if item and ok]
    known = store.candidates(with_latents=False)
    measured = _measured(known)
    ranking = engine.rank(
        [draw.items[i] or "" for i in keep],
        [draw.latents[i] for i in keep],
        measured,
        None,
        methods.Acquisition("mean"),
        round_seed(cfg, index, 8),
    )
    if ranking is None or ranking.model != "items":
        return [], []
    return [draw.latents[i] for i in keep], [float(v) for v in ranking.mean]


def _fit(campaign: Campaign, index: int, plan, should_stop) -> Iterator[Event]:
    cfg, store = campaign.config, campaign.store
    if not plan.fit:
        store.set_status(index, FITTED)
        return
    t0 = time.monotonic()
    latents, values = training_data(campaign)
    distilled = 0
    if plan.finetune and cfg.selection.distil > 0 and len(values) >= 2:
        extra_latents, extra_values = _distillation_data(campaign, index, should_stop)
        latents, values, distilled = latents + extra_latents, values + extra_values, len(extra_values)
        store.add_round_metrics(index, {"distilled": distilled})
    if len(values) < 2:
        yield LogMessage("warning", f"round {index}: only {len(values)} scored candidates, reward model not fitted")
        store.set_status(index, FITTED)
        return
    path = campaign.checkpoints / f"round_{index:03d}_reward.safetensors"
    report = campaign.engine.fit_reward(latents, values, str(path), round_seed(cfg, index, 3), should_stop)
    seconds = time.monotonic() - t0
    store.add_checkpoint(index, REWARD, path, round_status=FITTED, phase_seconds=("fit", seconds))
    yield RewardFitted(
        index, report.n_train, round(report.train_r2, 4), round(report.cv_spearman, 4), round(seconds, 3)
    )


# ---- SEIKO step 4: Fine-tune -------------------------------------------------------------------
def _finetune(campaign: Campaign, index: int, plan, should_stop) -> Iterator[Event]:
    cfg, store = campaign.config, campaign.store
    reward = store.latest_checkpoint(REWARD, before_round=index + 1)
    if not plan.finetune or reward is None:
        store.set_status(index, FINETUNED)
        return
    t0 = time.monotonic()
    current = store.latest_checkpoint(DENOISER, before_round=index + 1)
    current_path = str(store.checkpoint_path(current)) if current else None
    anchor_path = current_path if cfg.anchor == "previous" else None
    out = campaign.checkpoints / f"round_{index:03d}_denoiser.safetensors"
    steps = methods.finetune_steps(cfg)
    rewards, kls = [], []
    for step in campaign.engine.finetune(
        current_path,
        anchor_path,
        str(store.checkpoint_path(reward)),
        str(out),
        plan.acquisition,
        steps,
        round_seed(cfg, index, 4),
        should_stop,
    ):
        rewards.append(step.reward)
        kls.append(step.kl)
        yield FinetuneProgress(index, step.step, steps, step.reward, step.kl, step.loss)
    # Over-optimisation watch: how far the new model has moved from the shipped prior.
    kl_prior = campaign.engine.kl_to_prior(str(out), round_seed(cfg, index, 5))
    store.add_round_metrics(index, {"kl_to_prior": round(kl_prior, 4)})
    seconds = time.monotonic() - t0
    store.add_checkpoint(index, DENOISER, out, round_status=FINETUNED, phase_seconds=("finetune", seconds))
    yield FinetuneFinished(index, len(rewards), round(seconds, 3), round(kl_prior, 4))


# ---- figures used by events and status ---------------------------------------------------------
def oracle_calls(store: Store) -> int:
    """Candidates with a final measurement (ok or failed), i.e. the budget actually spent."""
    return metrics.oracle_calls(store.candidates(with_latents=False))


def _figures(store: Store) -> tuple[float | None, int]:
    """Best score so far and oracle calls spent, from one read of the candidates."""
    cands = store.candidates(with_latents=False)
    return metrics.best_score(cands), metrics.oracle_calls(cands)
