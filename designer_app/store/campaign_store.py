"""The campaign store: one SQLite database per campaign, the single source of truth.

Layout of a campaign folder: `campaign.db`, `checkpoints/` (safetensors written atomically before the
row that names them is committed), `items/` (files that items point to, e.g. PNGs), `exports/`.
Each thread opens its own `CampaignStore` (its own connection). Every state change is one transaction,
and every transaction passes a named fault point just before it commits (designer_app.faults), so the crash
tests can kill the process exactly there.

Discarded rows (schema 2): a rollback flags a round's unscored candidates and its checkpoints with
`discarded_at` instead of deleting them. A discarded candidate that has any measurement is live again
(the lab measured it after all), so no measurement can ever be hidden by a rollback.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from designer_app import faults
from designer_app.atomic import remove_stale_temp_files
from designer_app.core.protocols import FAILED, MEASUREMENT_STATUSES, OK, OracleResult
from designer_app.core.records import (
    PROPOSED,
    ROUND_STATUSES,
    CandidateRecord,
    MeasurementRecord,
    NewCandidate,
    RoundRecord,
)
from designer_app.store import schema
from designer_app.store.checkpoints import CheckpointsMixin
from designer_app.store.errors import StoreError, now
from designer_app.store.scores import EffectiveScore, effective_scores


class CampaignStore(CheckpointsMixin):
    DB_NAME = "campaign.db"

    def __init__(self, folder: Path, read_only: bool = False):
        # absolute: checkpoint paths are built from it and checked against it resolved, so a relative
        # folder (--home data) would name them twice (data/campaigns/x/data/campaigns/x/checkpoints/...)
        self.folder = Path(folder).absolute()
        self.read_only = read_only
        self.db = schema.connect(str(self.folder / self.DB_NAME), read_only=read_only)
        self.warning: str | None = None  # set when the campaign could only be opened read-only

    # ---- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def create(cls, folder: str | Path, name: str, domain: str, config: dict) -> CampaignStore:
        folder = Path(folder)
        if (folder / cls.DB_NAME).exists():
            raise StoreError(f"a campaign already exists in {folder}; choose another name or delete it")
        for sub in ("checkpoints", "items", "exports"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        store = cls(folder)
        schema.migrate(store.db)
        with store.db.atomic():
            store.db.table("campaign").insert(
                {"id": 1, "name": name, "domain": domain, "config_json": json.dumps(config), "created_at": now()}
            )
        return store

    @classmethod
    def open(cls, folder: str | Path) -> CampaignStore:
        """Open for writing; migrate an older schema. A newer or damaged database raises StoreError
        (use `open_read_only` to look at it)."""
        folder = Path(folder)
        path = folder / cls.DB_NAME
        if not path.exists():
            raise StoreError(f"no campaign at {folder} ({cls.DB_NAME} is missing)")
        probe = cls(folder, read_only=True)
        try:
            version = schema.schema_version(probe.db)
            ok = probe.db.execute("PRAGMA quick_check").fetchone()[0]
        except Exception as exc:  # sqlite3.DatabaseError: file is not a database
            raise StoreError(f"{path} is damaged ({exc}); restore it from a backup") from exc
        finally:
            probe.close()
        if ok != "ok":
            raise StoreError(f"{path} failed SQLite's integrity check ({ok}); it was not modified")
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{path} was written by a newer Designer (schema {version} > {schema.SCHEMA_VERSION}); "
                "upgrade designer-app to change it. It was not modified."
            )
        store = cls(folder)
        schema.migrate(store.db)
        # Temp files of writes a crash interrupted are never referenced; old ones only waste space.
        remove_stale_temp_files(folder / "checkpoints")
        return store

    @classmethod
    def open_read_only(cls, folder: str | Path) -> CampaignStore:
        return cls(Path(folder), read_only=True)

    @classmethod
    def open_for_reading(cls, folder: str | Path) -> CampaignStore:
        """Open to look at (status, export): like `open`, but a database written by a newer Designer,
        or one that fails the integrity check yet can still be read, is opened read-only instead of
        refused, with the reason in `warning`, so the lab data in it can still be exported. The file
        is never modified in that case."""
        try:
            return cls.open(folder)
        except StoreError as exc:
            reason = str(exc)
        store = cls(Path(folder), read_only=True)
        try:  # what status and export read: if any of it fails, say so now rather than mid-way
            store.config()
            store.rounds()
            store.candidates(include_discarded=True)
        except Exception as exc:  # not even readable: the original reason is the useful one
            store.close()
            raise StoreError(f"{reason} (reading it read-only failed too: {exc})") from exc
        store.warning = f"opened read-only: {reason}"
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> CampaignStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- campaign ----------------------------------------------------------------------------
    def config(self) -> dict:
        row = self.db.execute("SELECT config_json FROM campaign WHERE id = 1").fetchone()
        if row is None:
            raise StoreError(f"{self.folder} holds no campaign row")
        return json.loads(row[0])

    def meta(self, key: str) -> str | None:
        """A value of the campaign's key/value table (e.g. the oracle's optimum found at creation)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        if key == "schema_version":
            raise StoreError("schema_version is managed by the migrations")
        with self.db.atomic():
            self.db.table("meta").upsert({"key": key, "value": value}, pk="key")

    # ---- rounds ------------------------------------------------------------------------------
    def rounds(self) -> list[RoundRecord]:
        return [_round(r) for r in self.db.query("SELECT * FROM rounds ORDER BY idx")]

    def round(self, index: int) -> RoundRecord | None:
        rows = list(self.db.query("SELECT * FROM rounds WHERE idx = ?", [index]))
        return _round(rows[0]) if rows else None

    def add_round(
        self,
        index: int,
        batch_size: int,
        candidates: Sequence[NewCandidate],
        checkpoint_id: int | None,
        seconds: float,
    ) -> list[int]:
        """Insert a round with its proposals in one transaction (status `proposed`). Candidates whose
        key already exists in the campaign are stored as duplicates of the first one."""
        with self.db.atomic():
            self.db.table("rounds").insert(
                {
                    "idx": index,
                    "status": PROPOSED,
                    "batch_size": batch_size,
                    "started_at": now(),
                    "updated_at": now(),
                    "seconds_json": json.dumps({"propose": round(seconds, 3)}),
                }
            )
            ids = self._insert_candidates(index, candidates, checkpoint_id)
            faults.point("commit:add_round")
        return ids

    def add_candidates(
        self, round_index: int, candidates: Sequence[NewCandidate], checkpoint_id: int | None = None
    ) -> list[int]:
        """Add candidates to an existing round: the user's own, or the proposals that refill a
        rolled-back round."""
        with self.db.atomic():
            ids = self._insert_candidates(round_index, candidates, checkpoint_id)
            faults.point("commit:candidates")
        return ids

    def _insert_candidates(self, index: int, candidates: Sequence[NewCandidate], checkpoint_id) -> list[int]:
        first_by_key = {  # discarded proposals are no originals: a new proposal of the same item is
            key: cid
            for key, cid in self.db.execute(
                f"SELECT key, MIN(id) FROM candidates WHERE key != '' AND {self._live()} GROUP BY key"
            )
        }
        ids = []
        stamp = now()
        for c in candidates:
            duplicate_of = first_by_key.get(c.key) if c.key else None
            cid = schema.insert(
                self.db,
                "candidates",
                {
                    "round": index,
                    "item": c.item,
                    "key": c.key,
                    "feasible": int(c.feasible),
                    "reason": c.reason,
                    "latent_json": None if c.latent is None else json.dumps([round(v, 6) for v in c.latent]),
                    "predicted_mean": _num(c.predicted_mean),
                    "predicted_std": _num(c.predicted_std),
                    "acquisition": _num(c.acquisition),
                    "checkpoint_id": checkpoint_id,
                    "source": c.source,
                    "duplicate_of": duplicate_of,
                    "created_at": stamp,
                },
            )
            if c.key and duplicate_of is None:
                first_by_key[c.key] = cid
            ids.append(cid)
        return ids

    def set_status(self, index: int, status: str, phase: str | None = None, seconds: float | None = None) -> None:
        with self.db.atomic():
            self._set_status(index, status, phase, seconds)
            faults.point("commit:status")

    def add_round_metrics(self, index: int, metrics: dict) -> None:
        """Merge derived per-round figures (e.g. KL to the prior) into the round's metrics."""
        with self.db.atomic():
            current = self.round(index)
            if current is None:
                raise StoreError(f"round {index} does not exist")
            merged = {**current.metrics, **metrics}
            self.db.table("rounds").update(index, {"metrics_json": json.dumps(merged)})
            faults.point("commit:metrics")

    def _set_status(self, index: int, status: str, phase: str | None, seconds: float | None) -> None:
        if status not in ROUND_STATUSES:
            raise ValueError(f"unknown round status {status}")
        current = self.round(index)
        if current is None:
            raise StoreError(f"round {index} does not exist")
        timing = dict(current.seconds)
        if phase is not None and seconds is not None:
            timing[phase] = round(timing.get(phase, 0.0) + seconds, 3)
        self.db.table("rounds").update(
            index, {"status": status, "updated_at": now(), "seconds_json": json.dumps(timing)}
        )

    # ---- measurements ------------------------------------------------------------------------
    def record_measurements(
        self,
        results: Iterable[tuple[int, OracleResult]],
        source: str,
        round_status: tuple[int, str] | None = None,
        phase_seconds: tuple[str, float] | None = None,
        replaces: dict[int, int] | None = None,
    ) -> list[int]:
        """Append measurements (candidate id, result) and optionally move a round to a new status,
        all in one transaction: either every row and the status land, or none do."""
        replaces = replaces or {}
        ids = []
        with self.db.atomic():
            stamp = now()
            for cid, result in results:
                status = result.status if result.status in MEASUREMENT_STATUSES else FAILED
                value = result.value
                if value is not None and not math.isfinite(value):
                    value, status = None, FAILED
                ids.append(
                    schema.insert(
                        self.db,
                        "measurements",
                        {
                            "candidate_id": cid,
                            "value": value if status == OK else None,
                            "status": status,
                            "source": source,
                            "note": result.note,
                            "created_at": stamp,
                            "replaces": replaces.get(cid),
                        },
                    )
                )
            if round_status is not None:
                phase, secs = phase_seconds or (None, None)
                self._set_status(round_status[0], round_status[1], phase, secs)
            faults.point("commit:measurements")
        faults.point("committed:measurements")
        return ids

    def measurements(self, candidate_id: int | None = None) -> list[MeasurementRecord]:
        sql, args = "SELECT * FROM measurements", []
        if candidate_id is not None:
            sql, args = sql + " WHERE candidate_id = ?", [candidate_id]
        return [MeasurementRecord(**_pick(r, MeasurementRecord)) for r in self.db.query(sql + " ORDER BY id", args)]

    # ---- candidates --------------------------------------------------------------------------
    def candidates(
        self, round_index: int | None = None, include_discarded: bool = False, *, with_latents: bool = True
    ) -> list[CandidateRecord]:
        """Candidates with their effective scores (see CandidateRecord); proposals a rollback
        discarded are left out unless `include_discarded`. Without `with_latents` the stored latents are
        not decoded (JSON parsing is most of the cost of a read) and every `latent` is None: for readers
        that only look at items and scores."""
        conditions, args = [], []
        if round_index is not None:
            conditions, args = ["round = ?"], [round_index]
        if not include_discarded:
            conditions.append(self._live())
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = list(self.db.query(f"SELECT * FROM candidates{where} ORDER BY id", args))
        here = self._relocated if self._items_are_files else (lambda item: item)
        scores = self.effective_scores()
        unscored = EffectiveScore(None, "unscored")
        out = []
        for r in rows:
            origin = r["duplicate_of"] or r["id"]
            eff = scores.get(origin, unscored)
            score, status, n, spread = eff.value, eff.status, eff.n_replicates, eff.spread
            out.append(
                CandidateRecord(
                    id=r["id"],
                    round=r["round"],
                    item=here(r["item"]),
                    key=r["key"] or "",
                    feasible=bool(r["feasible"]),
                    reason=r["reason"] or "",
                    latent=_latent(r["latent_json"]) if with_latents else None,
                    predicted_mean=r["predicted_mean"],
                    predicted_std=r["predicted_std"],
                    acquisition=r["acquisition"],
                    checkpoint_id=r["checkpoint_id"],
                    source=r["source"],
                    duplicate_of=r["duplicate_of"],
                    score=score,
                    score_status=status,
                    n_replicates=n,
                    score_spread=spread,
                )
            )
        return out

    @functools.cached_property
    def _items_are_files(self) -> bool:
        """Whether items are files in the campaign's items/ folder (images), not text. The domain is fixed
        when the campaign is created, so it is read once."""
        from designer_app.domains import get_domain

        row = self.db.execute("SELECT domain FROM campaign WHERE id = 1").fetchone()
        try:
            return bool(row) and get_domain(row[0]).item_files
        except ValueError:  # a campaign of a domain whose plug-in is not installed: its items are text
            return False

    def _relocated(self, item: str | None) -> str | None:
        """An item file recorded (as an absolute path) in this campaign's items/ folder before the campaign
        or its data folder was moved: the same file where the campaign is now. Anything else unchanged."""
        if not item:
            return item
        path = Path(item)
        if path.parent.name != "items" or path.parent.parent == self.folder or path.is_file():
            return item
        moved = self.folder / "items" / path.name
        return str(moved) if moved.is_file() else item

    def effective_scores(self) -> dict[int, EffectiveScore]:
        """Measured candidate id -> its EffectiveScore (mean of replicates, sd, status); see store.scores.
        Duplicates have no entry of their own: look up their `duplicate_of`."""
        return effective_scores(self.db.query("SELECT id, candidate_id, value, status, replaces FROM measurements"))

    def update_predictions(self, predictions: dict[int, tuple[float, float, float]]) -> None:
        """Refresh predicted mean, std and acquisition after a refit (derived values, not lab data)."""
        with self.db.atomic():
            for cid, (mean, std, acq) in predictions.items():
                self.db.table("candidates").update(
                    cid, {"predicted_mean": _num(mean), "predicted_std": _num(std), "acquisition": _num(acq)}
                )

    # ---- event log ---------------------------------------------------------------------------
    def log_event(self, round_index: int | None, kind: str, payload: dict) -> None:
        with self.db.atomic():
            self.db.table("events").insert(
                {
                    "round": round_index,
                    "kind": kind,
                    "payload_json": json.dumps(payload, default=str),
                    "created_at": now(),
                }
            )

    def events(self, limit: int = 1000) -> list[dict]:
        rows = self.db.query("SELECT * FROM events ORDER BY id DESC LIMIT ?", [limit])
        return [{**r, "payload": json.loads(r.pop("payload_json"))} for r in rows][::-1]


def _round(r: dict) -> RoundRecord:
    return RoundRecord(
        index=r["idx"],
        status=r["status"],
        batch_size=r["batch_size"],
        started_at=r["started_at"],
        updated_at=r["updated_at"],
        seconds=json.loads(r["seconds_json"] or "{}"),
        metrics=json.loads(r.get("metrics_json") or "{}"),
    )


def _latent(text: str | None) -> list[float] | None:
    """A stored latent (JSON list), or None when the candidate has none."""
    return json.loads(text) if text else None


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def _pick(row: dict, cls) -> dict:
    return {k: row[k] for k in cls.__dataclass_fields__}
