"""Application services shared by the CLI and the GUI: create, open, run, status, import, export.

This module wires the real parts (store, engine, oracle) into core.loop.Campaign. It imports no Qt.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from designer_app.config import CampaignConfig, ConfigError
from designer_app.core import loop, metrics
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
    prior_folder = resolve_prior(cfg.prior, cfg.domain, cfg.workdir or None)
    prior = load_prior(prior_folder, cfg.domain)
    items_dir = Path(folder) / "items" if folder is not None else None
    return DiffusionEngine(prior, domain, cfg, items_dir=items_dir, prior_folder=prior_folder)


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

    return parse_oracle(cfg.oracle, domain=cfg.domain, optimum=cfg.optimum, base=cfg.workdir or None)


def create(cfg: CampaignConfig, home: str | Path | None = None) -> Path:
    """Validate everything that can be validated before anything runs, then create the store. The
    folder it is called from becomes the campaign's `workdir` (unless set): relative oracle and prior
    paths, checked here, keep meaning the same files when the campaign is run from elsewhere."""
    folder = campaign_dir(cfg.name, home)
    if not cfg.workdir:
        cfg = replace(cfg, workdir=str(Path.cwd()))
    if (folder / CampaignStore.DB_NAME).exists():
        raise CampaignError(f"campaign '{cfg.name}' already exists at {folder}; choose another name")
    oracle = make_oracle(cfg)  # raises OracleSpecError with advice
    from designer_app.models.priors import prior_domain, resolve_prior

    prior_folder = resolve_prior(cfg.prior, cfg.domain, cfg.workdir)  # raises FileNotFoundError with advice
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
    folder = existing_folder(name, home)
    return CampaignStore.open_for_reading(folder) if for_reading else CampaignStore.open(folder)


def existing_folder(name: str, home: str | Path | None = None) -> Path:
    """The folder of campaign `name` in `home`; CampaignError with advice when there is none."""
    folder = campaign_dir(name, home)
    if not (folder / CampaignStore.DB_NAME).exists():
        raise CampaignError(
            f"no campaign named '{name}' in {folder.parent}; create it with `designer-app new {name} ...`"
        )
    return folder


def load(name: str, home: str | Path | None = None, allow_partial: bool = False) -> loop.Campaign:
    """The campaign named `name` in `home`, wired to run (see load_folder)."""
    return load_folder(existing_folder(name, home), allow_partial)


def load_folder(folder: str | Path, allow_partial: bool = False) -> loop.Campaign:
    """The campaign stored in `folder`, wherever that is (a folder copied from a colleague and opened in the
    window need not live in <home>/campaigns/)."""
    from designer_app.oracles.pool import LoggedOracle

    folder = Path(folder)
    if not (folder / CampaignStore.DB_NAME).exists():
        raise CampaignError(f"no campaign in {folder} (it has no {CampaignStore.DB_NAME})")
    store = CampaignStore.open(folder)
    cfg = CampaignConfig.from_json(store.config())
    if cfg.workdir and not Path(cfg.workdir).is_dir() and cfg.oracle.strip().lower().startswith("command"):
        store.close()
        raise CampaignError(
            f"the oracle '{cfg.oracle}' runs in {cfg.workdir}, the folder campaign '{cfg.name}' was created from, "
            "which is not on this machine; create that folder again with what the command needs, or a link by that "
            "name to where those files are now (nothing measured is lost)"
        )
    # Failed oracle calls, retries and timeouts go to the event log, where `status` and the GUI show them.
    oracle = LoggedOracle(make_oracle(cfg), lambda kind, payload: store.log_event(_latest_round(store), kind, payload))
    return loop.Campaign(
        config=cfg, store=store, engine=make_engine(cfg, store.folder), oracle=oracle, allow_partial=allow_partial
    )


def _latest_round(store: CampaignStore) -> int | None:
    rounds = store.rounds()
    return rounds[-1].index if rounds else None


def run(
    name: str,
    home: str | Path | None = None,
    max_rounds: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    allow_partial: bool = False,
) -> Iterator[Event]:
    """Run the campaign (see core.loop.run); `allow_partial` goes on past a round whose lab scores are
    only partly in."""
    yield from run_folder(existing_folder(name, home), max_rounds, should_stop, allow_partial)


def run_folder(
    folder: str | Path,
    max_rounds: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    allow_partial: bool = False,
) -> Iterator[Event]:
    """Run the campaign stored in `folder` (see run)."""
    campaign = load_folder(folder, allow_partial)
    try:
        yield from loop.run(campaign, max_rounds, should_stop)
    finally:
        campaign.store.close()


def status(store: CampaignStore) -> metrics.CampaignStatus:
    cfg = CampaignConfig.from_json(store.config())
    candidates = store.candidates(with_latents=False)
    rounds = store.rounds()
    summaries = metrics.round_summaries(rounds, candidates)
    best = metrics.best_score(candidates)
    optimum = cfg.optimum if cfg.optimum is not None else known_optimum(store, cfg)
    return metrics.CampaignStatus(
        name=cfg.name,
        domain=cfg.domain,
        method=cfg.method,
        oracle=cfg.oracle,
        budget=cfg.budget,
        oracle_calls=metrics.oracle_calls(candidates),
        best_so_far=best,
        optimum=optimum,
        regret=None if optimum is None or best is None else optimum - best,
        state=metrics.campaign_state(rounds, len(cfg.batch_sizes())),
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

    return apply_scores(
        store, path, add_new=add_new, replicate=replicate, valid_only=valid_only, encode=encode if add_new else None
    )


# ---- export ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportResult:
    """What `export` wrote; `warnings` holds what the user must still be told (e.g. images whose files
    are missing, so they are not in a PNG export).

    Attributes:
        path: the file (or, for png, the folder) written.
        count: candidates exported.
        missing: ids of candidates whose image could not be read (png only; they are still in the CSV).
        warnings: one sentence each, saying what was left out, why and what to do.
    """

    path: Path
    count: int
    missing: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()


def export(
    store: CampaignStore,
    out: str | Path,
    fmt: str | None = None,
    top: int | None = None,
    round_index: int | None = None,
) -> ExportResult:
    """Write candidates (all, one round's, or the top N by true score) in one of the formats the
    campaign's domain offers (Domain.export_formats: csv and sdf for molecules, csv and fasta for
    sequences, csv and png for images).

    `out` is a file, or a folder (an existing one, or a path ending in a separator) to write a file with
    a default name into (see `_export_target`); a png export is always a folder. "~" is expanded."""
    from designer_app.domains import get_domain
    from designer_app.io import ExportRow, write_csv, write_fasta, write_sdf

    cfg = CampaignConfig.from_json(store.config())
    out, fmt = _export_target(out, fmt, cfg.name, top, round_index)
    domain_name = cfg.domain
    offered = tuple(get_domain(domain_name).export_formats)
    writers = {"csv": write_csv, "sdf": write_sdf, "fasta": write_fasta}
    if fmt not in offered or (fmt not in writers and fmt != "png"):
        raise CampaignError(f"cannot export a {domain_name} campaign as '{fmt}'; choose one of {', '.join(offered)}")
    cands = [c for c in store.candidates() if c.item and (round_index is None or c.round == round_index)]
    sds = {cid: e.sd for cid, e in store.effective_scores().items()}
    if top is not None:
        cands = sorted((c for c in cands if c.score is not None and c.duplicate_of is None), key=lambda c: -c.score)[
            :top
        ]
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
    if fmt == "png":  # a folder; images whose file is gone are reported in the result, never dropped silently
        return _write_png_folder(rows, out, store.folder)
    writers[fmt](rows, out)
    return ExportResult(out, len(rows))


def _export_target(
    out: str | Path, fmt: str | None, name: str, top: int | None, round_index: int | None
) -> tuple[Path, str]:
    """The path `export` writes to and the format, from what the user gave.

    A file path is used as it is (format from `fmt`, else its extension, else csv). A folder, that is an
    existing one or a path ending in a separator ("out/"), gets a file named after the campaign and the
    selection (NAME.csv, NAME_round2_top10.fasta); a png export is itself a folder, so there the folder
    is used as it is. A default name never replaces an existing file (the user may have filled in its
    scores): NAME-2.csv, NAME-3.csv, ... are taken instead.
    """
    text = os.fspath(out)
    as_folder = text.endswith(tuple(sep for sep in (os.sep, os.altsep, "/") if sep))
    path = Path(text).expanduser()
    if not (as_folder or path.is_dir()):
        return path, (fmt or path.suffix.lstrip(".") or "csv").lower()
    fmt = (fmt or "csv").lower()  # a folder's name says nothing about the format ("results.v2/")
    if fmt == "png":
        return path, fmt
    stem = (
        name + (f"_round{round_index}" if round_index is not None else "") + (f"_top{top}" if top is not None else "")
    )
    target, n = path / f"{stem}.{fmt}", 2
    while target.exists():
        target, n = path / f"{stem}-{n}.{fmt}", n + 1
    return target, fmt


def _write_png_folder(rows, out: Path, campaign_folder: Path) -> ExportResult:
    """Images: a folder of PNGs named by id/round/score, contact_sheet.png and candidates.csv. Images
    whose file cannot be read are left out (still listed in candidates.csv) and reported in `warnings`."""
    from designer_app.io.image_export import write_png_folder

    path, _, missing = write_png_folder(rows, out)
    return ExportResult(path, len(rows), tuple(missing), _missing_images_warnings(rows, missing, campaign_folder))


def _missing_images_warnings(rows, missing: list[int], campaign_folder: Path) -> tuple[str, ...]:
    """Why the images `missing` (candidate ids) could not be exported, in words the user can act on."""
    wanted = set(missing)
    paths = {r.id: Path(r.item) for r in rows if r.id in wanted}
    gone = {i: p for i, p in paths.items() if not p.is_file()}
    unreadable = {i: p for i, p in paths.items() if i not in gone}
    warnings = []
    if gone:
        warnings.append(
            f"{len(gone)} of {len(rows)} images could not be found (candidates {_id_list(gone)}), so "
            f"they are not in the export (only listed in candidates.csv): e.g. "
            f"{next(iter(gone.values()))} does not exist, nor a file of that name in "
            f"{Path(campaign_folder) / 'items'}; the files were deleted: restore them from a backup"
        )
    if unreadable:
        warnings.append(
            f"{len(unreadable)} of {len(rows)} image files could not be read as images (candidates "
            f"{_id_list(unreadable)}, e.g. {next(iter(unreadable.values()))}), so they are not in the "
            "export; the files are damaged or not PNG: restore them from a backup"
        )
    return tuple(warnings)


def _id_list(ids) -> str:
    """'1, 2, 3' for a message; the first 8 and '...' for more."""
    ordered = sorted(ids)
    return ", ".join(str(i) for i in ordered[:8]) + (", ..." if len(ordered) > 8 else "")


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
    "CampaignError",
    "StoreError",
    "ConfigError",
    "ImportReport",
    "create",
    "load",
    "run",
    "status",
    "import_scores",
    "export",
    "rollback",
]
