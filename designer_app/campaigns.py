"""Application services shared by the CLI and the GUI: create, open, run, status, import, export.

This module wires the real parts (store, engine, oracle) into core.loop.Campaign. It imports no Qt.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterator

from designer_app.config import CampaignConfig, ConfigError
from designer_app.core import loop, metrics
from designer_app.core.records import AWAITING, DONE
from designer_app.events import Event
from designer_app.io.score_apply import ImportReport
from designer_app.store import CampaignStore, StoreError, campaign_dir


class CampaignError(RuntimeError):
    """A user-facing problem with a campaign command; the message says what to change."""


def make_engine(cfg: CampaignConfig, folder: str | Path | None = None):
    """The domain's engine for a campaign whose files live in `folder` (items that are files, such as
    images, go to folder/items). Heavy imports (torch, RDKit) happen here, not at module import."""
    from designer_app.domains import get_domain
    from designer_app.models.diffusion_engine import DiffusionEngine
    from designer_app.models.priors import load_prior, resolve_prior

    try:
        domain = get_domain(cfg.domain)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    prior = load_prior(resolve_prior(cfg.prior, cfg.domain), cfg.domain)
    items_dir = Path(folder) / "items" if folder is not None else None
    return DiffusionEngine(prior, domain, cfg, items_dir=items_dir)


def prior_campaign_defaults(prior: str, domain: str) -> dict:
    """The settings a prior's trainers measured to work best with it (`campaign_defaults` in its
    config.json, nested like CampaignConfig JSON, e.g. {"alpha": 0.0003, "finetune": {"steps": 20}});
    {} for priors without recommendations or that cannot be found (create() reports those)."""
    from designer_app.models.priors import resolve_prior

    try:
        config = resolve_prior(prior, domain) / "config.json"
        data = json.loads(config.read_text()) if config.exists() else {}
    except (FileNotFoundError, ValueError):
        return {}
    defaults = data.get("campaign_defaults", {}) if isinstance(data, dict) else {}
    return defaults if isinstance(defaults, dict) else {}


def with_recommendations(data: dict, explicit: dict) -> dict:
    """Campaign settings as `designer-app new` makes them: `data` (name, domain, oracle, prior, ...), then
    the prior's recommended settings (prior_campaign_defaults), then what the user set explicitly."""
    recommended = prior_campaign_defaults(data.get("prior", ""), data.get("domain", "molecules"))
    return merge_settings(merge_settings(data, recommended), explicit)


def merge_settings(base: dict, override: dict) -> dict:
    """A copy of `base` with `override` applied; nested sections (reward, finetune) merge key by key."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_settings(out[key], value)
        else:
            out[key] = value
    return out


def make_oracle(cfg: CampaignConfig):
    from designer_app.oracles import parse_oracle

    return parse_oracle(cfg.oracle, domain=cfg.domain, optimum=cfg.optimum)


def create(cfg: CampaignConfig, home: str | Path | None = None) -> Path:
    """Validate everything that can be validated before anything runs, then create the store."""
    folder = campaign_dir(cfg.name, home)
    if (folder / CampaignStore.DB_NAME).exists():
        raise CampaignError(f"campaign '{cfg.name}' already exists at {folder}; choose another name")
    oracle = make_oracle(cfg)  # raises OracleSpecError with advice
    from designer_app.models.priors import prior_domain, resolve_prior

    prior_folder = resolve_prior(cfg.prior, cfg.domain)  # raises FileNotFoundError with advice
    if prior_domain(prior_folder) != cfg.domain:
        raise CampaignError(
            f"the prior in {prior_folder} is for the '{prior_domain(prior_folder)}' domain, not '{cfg.domain}'; "
            f"pick a {cfg.domain} prior (designer-app list priors)"
        )
    store = CampaignStore.create(folder, cfg.name, cfg.domain, cfg.to_json())
    with store:  # remembered so that `status` never loads the oracle's code (see known_optimum)
        store.set_meta("oracle_optimum", json.dumps(getattr(oracle, "optimum", None)))
    return folder


def open_store(name: str, home: str | Path | None = None, for_reading: bool = False) -> CampaignStore:
    """Open a campaign's store. `for_reading` (status, export): a database from a newer Designer or a
    damaged but readable one opens read-only instead of failing, with the reason in `store.warning`."""
    folder = campaign_dir(name, home)
    if not (folder / CampaignStore.DB_NAME).exists():
        raise CampaignError(f"no campaign named '{name}' in {folder.parent}; create it with `designer-app new {name} ...`")
    return CampaignStore.open_for_reading(folder) if for_reading else CampaignStore.open(folder)


def load(name: str, home: str | Path | None = None, allow_partial: bool = False) -> loop.Campaign:
    from designer_app.oracles.pool import LoggedOracle

    store = open_store(name, home)
    cfg = CampaignConfig.from_json(store.config())
    # Failed oracle calls, retries and timeouts go to the event log, where `status` and the GUI show them.
    oracle = LoggedOracle(make_oracle(cfg), lambda kind, payload: store.log_event(_latest_round(store), kind, payload))
    return loop.Campaign(config=cfg, store=store, engine=make_engine(cfg, store.folder), oracle=oracle,
                         allow_partial=allow_partial)


def _latest_round(store: CampaignStore) -> int | None:
    rounds = store.rounds()
    return rounds[-1].index if rounds else None


def run(
    name: str, home: str | Path | None = None, max_rounds: int | None = None, should_stop: Callable[[], bool] = lambda: False,
    allow_partial: bool = False,
) -> Iterator[Event]:
    """Run the campaign (see core.loop.run); `allow_partial` goes on past a round whose lab scores are
    only partly in."""
    campaign = load(name, home, allow_partial)
    try:
        yield from loop.run(campaign, max_rounds, should_stop)
    finally:
        campaign.store.close()


def status(store: CampaignStore) -> metrics.CampaignStatus:
    cfg = CampaignConfig.from_json(store.config())
    candidates = store.candidates()
    rounds = store.rounds()
    summaries = metrics.round_summaries(rounds, candidates)
    best = max((c.score for c in candidates if c.score is not None), default=None)
    optimum = cfg.optimum if cfg.optimum is not None else known_optimum(store, cfg)
    if any(r.status == AWAITING for r in rounds):
        state = "awaiting_scores"
    elif len(rounds) == len(cfg.batch_sizes()) and rounds and all(r.status == DONE for r in rounds):
        state = "finished"
    elif rounds:
        state = "in_progress"
    else:
        state = "new"
    return metrics.CampaignStatus(
        name=cfg.name,
        domain=cfg.domain,
        method=cfg.method,
        oracle=cfg.oracle,
        budget=cfg.budget,
        oracle_calls=loop.oracle_calls(store),
        best_so_far=best,
        optimum=optimum,
        regret=None if optimum is None or best is None else optimum - best,
        state=state,
        rounds=summaries,
    )


def known_optimum(store: CampaignStore, cfg: CampaignConfig) -> float | None:
    """The oracle's optimum without running code from the campaign: the value found when the campaign
    was created, else (older campaigns) the oracle's own, but only for oracles that load no user file
    or command: a campaign folder from someone else must not run code just by being looked at."""
    stored = store.meta("oracle_optimum")
    if stored is not None:
        return json.loads(stored)
    if cfg.oracle.strip().lower().startswith(("python", "command")):
        return None
    try:
        return make_oracle(cfg).optimum
    except Exception:  # an oracle that cannot be built must not break `status`
        return None


def status_json(store: CampaignStore) -> dict:
    from designer_app.store.scores import lab_summary

    data = asdict(status(store))
    for r in data["rounds"]:
        r["index"] = r.pop("index")
    lab_summary(store, data)  # pending/failed/replicates per round, oracle incidents, read-only warning
    return data


def rollback(store: CampaignStore, round_index: int | None = None):
    """Roll round `round_index` (default: the latest) and later rounds back; see store.rollback."""
    from designer_app.store import rollback as roll_back

    return roll_back(store, round_index)


# ---- lab loop: import scores ------------------------------------------------------------------
def import_scores(
    store: CampaignStore, path: str | Path, add_new: bool = False, replicate: bool = False, valid_only: bool = False
) -> ImportReport:
    """Import a CSV/SDF/FASTA of scores; all-or-nothing unless `valid_only` (see io.score_apply).
    Items that are no candidates yet are added as the user's own with `add_new`, in any domain,
    encoded by the campaign's engine so that the reward model learns from them."""
    from designer_app.io.score_apply import apply_scores

    def encode(items: list[str]):
        cfg = CampaignConfig.from_json(store.config())
        return make_engine(cfg, store.folder).encode_items(items)

    return apply_scores(store, path, add_new=add_new, replicate=replicate, valid_only=valid_only,
                        encode=encode if add_new else None)


# ---- export ------------------------------------------------------------------------------------
def export(
    store: CampaignStore, out: str | Path, fmt: str | None = None, top: int | None = None, round_index: int | None = None
) -> tuple[Path, int]:
    """Write candidates (all, one round's, or the top N by true score) in one of the formats the
    campaign's domain offers (domain.EXPORT_FORMATS: csv and sdf for molecules, csv and fasta for
    sequences, csv and png for images)."""
    from designer_app.domains import get_domain
    from designer_app.io import ExportRow, write_csv, write_fasta, write_sdf

    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".") or "csv").lower()
    domain_name = CampaignConfig.from_json(store.config()).domain
    offered = tuple(get_domain(domain_name).EXPORT_FORMATS)
    writers = {"csv": write_csv, "sdf": write_sdf, "fasta": write_fasta, "png": _write_png_folder}
    if fmt not in offered or fmt not in writers:
        raise CampaignError(f"cannot export a {domain_name} campaign as '{fmt}'; choose one of {', '.join(offered)}")
    cands = [c for c in store.candidates() if c.item and (round_index is None or c.round == round_index)]
    sds = {cid: e.sd for cid, e in store.effective_scores().items()}
    if top is not None:
        cands = sorted((c for c in cands if c.score is not None and c.duplicate_of is None), key=lambda c: -c.score)[:top]
    rows = [
        ExportRow(
            id=c.id,
            round=c.round,
            item=c.item,
            score=c.score,
            status=_export_status(c),
            predicted_mean=c.predicted_mean,
            predicted_std=c.predicted_std,
            feasible=c.feasible,
            extra={
                "acquisition": c.acquisition,
                "duplicate_of": c.duplicate_of,
                "n_replicates": c.n_replicates,
                "score_sd": sds.get(c.duplicate_of or c.id),
                "source": c.source,
            },
        )
        for c in cands
    ]
    writers[fmt](rows, out)
    return out, len(rows)


def _write_png_folder(rows, out: Path) -> None:
    """Images: a folder of PNGs named by id/round/score, contact_sheet.png and candidates.csv."""
    from designer_app.io.image_export import write_png_folder

    write_png_folder(rows, out)


def _export_status(c) -> str:
    """Status column of an export: what a lab user reads and what import-scores reads back."""
    if c.duplicate_of is not None and c.score_status == "unscored":
        return "duplicate"
    if not c.feasible:
        return "infeasible"
    return "pending" if c.score_status == "unscored" else c.score_status


def to_json_text(data) -> str:
    return json.dumps(data, indent=2, default=str)


__all__ = [
    "CampaignError", "StoreError", "ConfigError", "ImportReport", "create", "load", "run", "status", "import_scores",
    "export", "rollback",
]
