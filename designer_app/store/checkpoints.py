"""Checkpoint rows of the campaign store, and which rows a rollback has discarded.

A checkpoint is a safetensors file inside the campaign folder, written atomically before the row that
names it is committed, with the file's sha256 in the row. Before any loader sees a checkpoint, its path
must lie inside the campaign folder, name a .safetensors file, match the recorded sha256 and be laid out
as safetensors: a campaign folder from elsewhere may name anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from designer_app import faults
from designer_app.atomic import sha256_file
from designer_app.core.records import CheckpointRecord
from designer_app.store import schema
from designer_app.store.errors import StoreError, now
from designer_app.store.files import UnsafePathError, check_safetensors_content, check_weights_file, inside

# A candidate is live unless a rollback discarded it and nobody measured it since.
LIVE = "(candidates.discarded_at IS NULL OR EXISTS (SELECT 1 FROM measurements m WHERE m.candidate_id = candidates.id))"


class CheckpointsMixin:
    """Checkpoint and discard methods of CampaignStore (which provides `db`, `folder`, `_set_status`)."""

    db: sqlite_utils.Database
    folder: Path

    if TYPE_CHECKING:  # provided by CampaignStore

        def _set_status(self, index: int, status: str, phase: str | None, seconds: float | None) -> None: ...

    def add_checkpoint(
        self,
        round_index: int,
        kind: str,
        path: Path,
        round_status: str | None = None,
        phase_seconds: tuple[str, float] | None = None,
    ) -> int:
        """Record a checkpoint file (already written atomically) and optionally advance the round.
        The file must be a .safetensors file inside the campaign folder."""
        try:
            target = check_weights_file(inside(self.folder, path))
        except UnsafePathError as exc:
            raise StoreError(str(exc)) from None
        rel = target.relative_to(self.folder.resolve())
        with self.db.atomic():
            cid = schema.insert(
                self.db,
                "checkpoints",
                {
                    "round": round_index,
                    "kind": kind,
                    "path": rel.as_posix(),
                    "sha256": sha256_file(target),
                    "created_at": now(),
                },
            )
            if round_status is not None:
                phase, secs = phase_seconds or (None, None)
                self._set_status(round_index, round_status, phase, secs)
            faults.point("commit:checkpoint")
        return cid

    def checkpoints(self, kind: str | None = None, include_discarded: bool = False) -> list[CheckpointRecord]:
        """Checkpoints, oldest first; those a rollback discarded only with `include_discarded`."""
        conditions, args = [], []
        if kind is not None:
            conditions, args = ["kind = ?"], [kind]
        if not include_discarded:
            conditions.append("discarded_at IS NULL" if self._has_discards() else "1")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.db.query(f"SELECT * FROM checkpoints{where} ORDER BY id", args)
        return [CheckpointRecord(**_pick(r, CheckpointRecord)) for r in rows]

    def latest_checkpoint(self, kind: str, before_round: int | None = None) -> CheckpointRecord | None:
        records = [c for c in self.checkpoints(kind) if before_round is None or c.round < before_round]
        return records[-1] if records else None

    def checkpoint_path(self, record: CheckpointRecord) -> Path:
        """The checkpoint's file, after checking that it is a safetensors file inside the campaign
        folder whose content is what was recorded (a campaign folder from elsewhere may name anything)."""
        try:
            path = check_weights_file(inside(self.folder, record.path))
        except UnsafePathError as exc:
            raise StoreError(f"checkpoint {record.id}: {exc}") from None
        if not path.is_file():
            raise StoreError(
                f"checkpoint {record.path} is missing from {self.folder}; restore the campaign "
                "folder from a backup, or roll the round back (`designer-app rollback`)"
            )
        if sha256_file(path) != record.sha256:
            raise StoreError(f"checkpoint {record.path} does not match its recorded sha256; it was modified")
        try:
            check_safetensors_content(path)
        except UnsafePathError as exc:
            raise StoreError(f"checkpoint {record.id}: {exc}") from None
        return path

    def _has_discards(self) -> bool:
        """Whether the schema has `discarded_at` (2+). A version-1 database opened read-only (never
        migrated) has none, and then nothing is discarded."""
        if not hasattr(self, "_discards"):
            self._discards = "discarded_at" in {r[1] for r in self.db.execute("PRAGMA table_info(candidates)")}
        return self._discards

    def _live(self) -> str:
        return LIVE if self._has_discards() else "1"


def _pick(row: dict, cls) -> dict:
    return {k: row[k] for k in cls.__dataclass_fields__}
