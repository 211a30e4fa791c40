"""Application services shared by the CLI and the GUI: create, open, run, status, import, export.

This module wires the real parts (store, engine, oracle) into core.loop.Campaign. It imports no Qt.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

from designer_app.config import CampaignConfig, ConfigError
from designer_app.core import loop, metrics
from designer_app.core.protocols import OracleResult
from designer_app.core.records import AWAITING, DONE, NewCandidate
from designer_app.events import Event
from designer_app.store import CampaignStore, StoreError, campaign_dir


class CampaignError(RuntimeError):
    """A user-facing problem with a campaign command; the message says what to change."""


def make_engine(cfg: CampaignConfig):
    """The domain's engine. Heavy imports (torch, RDKit) happen here, not at module import."""
    from designer_app.models.priors import resolve_prior

    if cfg.domain == "molecules":
        from designer_app.models.molecule_engine import MoleculeEngine

        return MoleculeEngine(resolve_prior(cfg.prior, cfg.domain), cfg)
    raise ConfigError(f"domain '{cfg.domain}' has no engine yet")


def make_oracle(cfg: CampaignConfig):
    from designer_app.oracles import parse_oracle

    return parse_oracle(cfg.oracle, domain=cfg.domain, optimum=cfg.optimum)


def create(cfg: CampaignConfig, home: str | Path | None = None) -> Path:
    """Validate everything that can be validated before anything runs, then create the store."""
    folder = campaign_dir(cfg.name, home)
    if (folder / CampaignStore.DB_NAME).exists():
        raise CampaignError(f"campaign '{cfg.name}' already exists at {folder}; choose another name")
    make_oracle(cfg)  # raises OracleSpecError with advice
    from designer_app.models.priors import resolve_prior

    resolve_prior(cfg.prior, cfg.domain)  # raises FileNotFoundError with advice
    CampaignStore.create(folder, cfg.name, cfg.domain, cfg.to_json()).close()
    return folder


def open_store(name: str, home: str | Path | None = None) -> CampaignStore:
    folder = campaign_dir(name, home)
    if not (folder / CampaignStore.DB_NAME).exists():
        raise CampaignError(f"no campaign named '{name}' in {folder.parent}; create it with `designer-app new {name} ...`")
    return CampaignStore.open(folder)


def load(name: str, home: str | Path | None = None) -> loop.Campaign:
    store = open_store(name, home)
    cfg = CampaignConfig.from_json(store.config())
    return loop.Campaign(config=cfg, store=store, engine=make_engine(cfg), oracle=make_oracle(cfg))


def run(
    name: str, home: str | Path | None = None, max_rounds: int | None = None, should_stop: Callable[[], bool] = lambda: False
) -> Iterator[Event]:
    campaign = load(name, home)
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
    optimum = cfg.optimum
    if optimum is None:
        try:
            optimum = make_oracle(cfg).optimum
        except Exception:  # an oracle file that moved must not break `status`
            optimum = None
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


def status_json(store: CampaignStore) -> dict:
    data = asdict(status(store))
    for r in data["rounds"]:
        r["index"] = r.pop("index")
    return data


# ---- lab loop: import scores ------------------------------------------------------------------
@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows stored, rows identical to what was stored already, new candidates."""

    stored: int
    unchanged: int
    added_candidates: int
    rejected: list[tuple[int, str]]


def import_scores(
    store: CampaignStore, path: str | Path, add_new: bool = False, replicate: bool = False, valid_only: bool = False
) -> ImportReport:
    """Import a CSV/SDF/FASTA of scores. All-or-nothing: any problem raises before anything is
    written (unless `valid_only`, which imports the good rows and reports the rejected ones).

    A row for a candidate that already has a score replaces it (history kept), or is added as a
    replicate with `replicate=True`; a row identical to the current score is skipped, so importing
    the same file twice changes nothing.
    """
    from designer_app.io import ScoreFileError, read_scores

    cfg = CampaignConfig.from_json(store.config())
    parsed = read_scores(path, valid_only=valid_only, domain=cfg.domain)
    candidates = {c.id: c for c in store.candidates()}
    originals_by_key = {c.key: c for c in sorted(candidates.values(), key=lambda c: -c.id) if c.key and c.duplicate_of is None}
    rejected = list(parsed.rejected)
    plan: list[tuple[int, OracleResult, int | None]] = []
    new_items: list[tuple[str, OracleResult]] = []
    current = _current_measurements(store)
    for row in parsed.rows:
        if row.candidate_id is not None:
            cand = candidates.get(row.candidate_id)
            problem = None if cand else f"id {row.candidate_id} is not a candidate of campaign '{cfg.name}'"
            if cand and row.item and cand.key != row.item:
                problem = f"id {row.candidate_id} is {cand.item}, but the file says {row.item}; fix the id or the item"
        else:
            cand = originals_by_key.get(row.item or "")
            problem = None
            if cand is None:
                if add_new:
                    new_items.append((row.item, OracleResult(row.value, row.status, row.note)))
                    continue
                problem = f"{row.item} is not a candidate of this campaign; pass --add-new to add it as your own candidate"
        if problem:
            if not valid_only:
                raise ScoreFileError(Path(path).name, problem, line=row.line)
            rejected.append((row.line, problem))
            continue
        target = cand.duplicate_of or cand.id
        result = OracleResult(row.value, row.status, row.note)
        existing = current.get(target, [])
        if any(m.value == row.value and m.status == row.status for m in existing):
            plan.append((target, result, -1))  # identical: nothing to store
            continue
        plan.append((target, result, None if replicate or not existing else existing[-1].id))
    todo = [(cid, res, rep) for cid, res, rep in plan if rep != -1]
    with store.db.atomic():  # one transaction for the whole file
        added = 0
        if new_items:
            latest = max((r.index for r in store.rounds()), default=None)
            if latest is None:
                raise CampaignError("the campaign has no round yet; run it once before adding your own candidates")
            ids = store.add_candidates(latest, [NewCandidate(item, item, True, source="user") for item, _ in new_items])
            todo += [(cid, res, None) for cid, (_, res) in zip(ids, new_items)]
            added = len(ids)
        store.record_measurements(
            [(cid, res) for cid, res, _ in todo],
            source=f"import:{Path(path).name}",
            replaces={cid: rep for cid, _, rep in todo if rep is not None},
        )
    store.log_event(None, "ScoresImported", {"file": str(path), "stored": len(todo), "rejected": len(rejected)})
    unchanged = sum(1 for _, _, rep in plan if rep == -1)
    return ImportReport(stored=len(todo), unchanged=unchanged, added_candidates=added, rejected=rejected)


def _current_measurements(store: CampaignStore) -> dict[int, list]:
    rows = store.measurements()
    superseded = {m.replaces for m in rows if m.replaces is not None}
    out: dict[int, list] = {}
    for m in rows:
        if m.id not in superseded:
            out.setdefault(m.candidate_id, []).append(m)
    return out


# ---- export ------------------------------------------------------------------------------------
def export(
    store: CampaignStore, out: str | Path, fmt: str | None = None, top: int | None = None, round_index: int | None = None
) -> tuple[Path, int]:
    """Write candidates (all, one round's, or the top N by true score) as CSV or SDF."""
    from designer_app.io import ExportRow, write_csv, write_sdf

    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".") or "csv").lower()
    writers = {"csv": write_csv, "sdf": write_sdf}
    if fmt not in writers:
        raise CampaignError(f"cannot export as '{fmt}'; choose csv or sdf")
    cands = [c for c in store.candidates() if c.item and (round_index is None or c.round == round_index)]
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
                "source": c.source,
            },
        )
        for c in cands
    ]
    writers[fmt](rows, out)
    return out, len(rows)


def _export_status(c) -> str:
    """Status column of an export: what a lab user reads and what import-scores reads back."""
    if c.duplicate_of is not None and c.score_status == "unscored":
        return "duplicate"
    if not c.feasible:
        return "infeasible"
    return "pending" if c.score_status == "unscored" else c.score_status


def to_json_text(data) -> str:
    return json.dumps(data, indent=2, default=str)


__all__ = ["CampaignError", "StoreError", "ConfigError", "create", "load", "run", "status", "import_scores", "export"]
