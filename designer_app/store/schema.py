"""The campaign database schema and its versioned migrations.

`MIGRATIONS[i]` upgrades a database from version i to i + 1, in one transaction each. A database newer
than this code is opened read-only with a clear message, never modified.

History:
    1  the first schema; measurements are append-only (triggers refuse UPDATE and DELETE).
    2  `discarded_at` on candidates and checkpoints: a rolled-back round's unscored proposals and its
       models are flagged, never deleted, so a rollback keeps every measurement and can be audited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from designer_app.store.errors import StoreError

SCHEMA_VERSION = 2


def _v0_to_v1(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("campaign").create({"id": int, "name": str, "domain": str, "config_json": str, "created_at": str}, pk="id")
    db.table("checkpoints").create(
        {"id": int, "round": int, "kind": str, "path": str, "sha256": str, "created_at": str}, pk="id"
    )
    db.table("rounds").create(
        {
            "idx": int,
            "status": str,
            "batch_size": int,
            "started_at": str,
            "updated_at": str,
            "seconds_json": str,
            "metrics_json": str,
        },
        pk="idx",
    )
    db.table("candidates").create(
        {
            "id": int,
            "round": int,
            "item": str,
            "key": str,
            "feasible": int,
            "reason": str,
            "latent_json": str,
            "predicted_mean": float,
            "predicted_std": float,
            "acquisition": float,
            "checkpoint_id": int,
            "source": str,
            "duplicate_of": int,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[
            ("round", "rounds", "idx"),
            ("checkpoint_id", "checkpoints", "id"),
            ("duplicate_of", "candidates", "id"),
        ],
    )
    db.table("candidates").create_index(["round"])
    db.table("candidates").create_index(["key"])
    db.table("measurements").create(
        {
            "id": int,
            "candidate_id": int,
            "value": float,
            "status": str,
            "source": str,
            "note": str,
            "created_at": str,
            "replaces": int,
        },
        pk="id",
        foreign_keys=[("candidate_id", "candidates", "id"), ("replaces", "measurements", "id")],
    )
    db.table("measurements").create_index(["candidate_id"])
    db.table("events").create({"id": int, "round": int, "kind": str, "payload_json": str, "created_at": str}, pk="id")
    # Measurements are append-only: the database itself refuses updates and deletes.
    db.execute(
        "CREATE TRIGGER measurements_no_update BEFORE UPDATE ON measurements "
        "BEGIN SELECT RAISE(ABORT, 'measurements are append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER measurements_no_delete BEFORE DELETE ON measurements "
        "BEGIN SELECT RAISE(ABORT, 'measurements are append-only'); END"
    )


def _v1_to_v2(db: sqlite_utils.Database) -> None:
    # ALTER TABLE ADD COLUMN keeps the rows, the indexes and the append-only triggers as they are.
    db.table("candidates").add_column("discarded_at", str)
    db.table("checkpoints").add_column("discarded_at", str)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v0_to_v1, _v1_to_v2]


def read_only_uri(path: str | Path) -> str:
    """The SQLite URI that opens `path` read-only.

    The path is percent-encoded (Path.as_uri): written raw into "file:...?mode=ro", a '#' or '?' in a
    folder name would cut the path short (SQLite would open, and create, another file there, without
    mode=ro) and a '%20' would be decoded into a different name.
    """
    return Path(path).absolute().as_uri() + "?mode=ro"


def connect(path: str | Path, read_only: bool = False) -> sqlite_utils.Database:
    """A connection with WAL, a busy timeout, foreign keys and full fsync (lab data must survive
    power loss, not only a crash of the app).

    Raises:
        StoreError: SQLite cannot open the file (missing, unreadable folder, not a database); the
            message names the file and what to check.
    """
    conn = None
    try:
        if read_only:
            conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=30, check_same_thread=False)
        else:
            conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        mode = "read-only" if read_only else "for writing"
        raise StoreError(
            f"cannot open the campaign database {path} {mode} ({exc}); check that the file exists, that "
            "its folder can be read (and written, to change it) by you, and that it is a Designer campaign.db"
        ) from exc
    return sqlite_utils.Database(conn)


def insert(db: sqlite_utils.Database, table: str, row: dict) -> int:
    """Insert `row` into `table` (one with an integer rowid primary key); the new row's id."""
    new_id = db.table(table).insert(row).last_pk
    if new_id is None:  # sqlite-utils sets it for every single-row insert; None would be a bug there
        raise StoreError(f"inserting into {table} returned no row id")
    return int(new_id)


def schema_version(db: sqlite_utils.Database) -> int:
    if "meta" not in db.table_names():
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations, each in its own transaction. Returns the final version."""
    version = schema_version(db)
    while version < SCHEMA_VERSION:
        with db.atomic():
            MIGRATIONS[version](db)
            version += 1
            db.table("meta").upsert({"key": "schema_version", "value": str(version)}, pk="key")
    return version
