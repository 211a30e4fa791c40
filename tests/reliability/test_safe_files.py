"""Campaign files received from someone else cannot run code or write outside the campaign folder, and a
database Designer cannot safely change is opened read-only instead of being modified."""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import TINY_SETTINGS

from designer_app.cli import main
from designer_app.config import CampaignConfig, ConfigError
from designer_app.core.records import NewCandidate
from designer_app.store import CampaignStore, StoreError, campaign_dir, rollback, schema
from designer_app.store.files import UnsafePathError, inside

PACKAGE = Path(__file__).resolve().parents[2] / "designer_app"


class _CreatesFile:
    """Unpickling this object creates `path`: proof that loading it would have run code."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _evil_pickle(marker: Path) -> bytes:
    data = pickle.dumps(_CreatesFile(marker))
    assert not marker.exists()
    return data


def _store(tmp_path: Path) -> CampaignStore:
    store = CampaignStore.create(tmp_path / "c", "c", "molecules", {"name": "c"})
    store.add_round(1, 1, [NewCandidate("CCO", "CCO", True)], None, 0.1)
    return store


def _forge_checkpoint(store: CampaignStore, rel: str, data: bytes | None = None) -> None:
    """What a colleague could put in a campaign: any path, with a matching sha256."""
    digest = hashlib.sha256(data or b"").hexdigest()
    store.db.execute(
        "INSERT INTO checkpoints (round, kind, path, sha256, created_at) VALUES (1, 'denoiser', ?, ?, 'x')",
        [rel, digest],
    )
    store.db.conn.commit()


# ---- no pickle is ever loaded ----------------------------------------------------------------------
def test_no_code_path_can_unpickle():
    """torch.load only with weights_only=True; no pickle/joblib loads; numpy never with allow_pickle."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        for match in re.finditer(r"torch\.load\(([^)]*)\)", text):
            if "weights_only=True" not in match.group(1):
                offenders.append(f"{path}: {match.group(0)}")
        for pattern in (r"pickle\.loads?\(", r"joblib\.load\(", r"allow_pickle\s*=\s*True", r"dill\.load"):
            offenders += [f"{path}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []


def test_pickle_checkpoint_named_in_the_database_is_refused(tmp_path):
    store = _store(tmp_path)
    marker = tmp_path / "pwned"
    data = _evil_pickle(marker)
    (store.folder / "checkpoints" / "evil.pt").write_bytes(data)
    _forge_checkpoint(store, "checkpoints/evil.pt", data)
    with pytest.raises(StoreError, match="pickle-based file.*only loads weights from .safetensors"):
        store.checkpoint_path(store.checkpoints()[0])
    assert not marker.exists()


def test_pickle_disguised_as_safetensors_is_refused_by_every_loader(tmp_path):
    import torch

    from designer_app.models.serialization import load_optimizer, load_tensors, load_weights

    marker = tmp_path / "pwned"
    disguised = tmp_path / "round_001_denoiser.safetensors"
    disguised.write_bytes(_evil_pickle(marker))
    # whatever the safetensors reader raises, it must not unpickle (the marker below stays absent)
    with pytest.raises(Exception):  # noqa: B017
        load_weights(torch.nn.Linear(2, 2), disguised)
    with pytest.raises(Exception):  # noqa: B017
        load_tensors(disguised)
    saved = tmp_path / "optimizer.pt"  # torch.save format with a malicious object inside
    torch.save({"state": _CreatesFile(marker)}, saved)
    with pytest.raises(Exception, match="(?i)weights.only|unpickl"):
        load_optimizer(torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1), saved)
    assert not marker.exists()


@pytest.mark.slow
def test_running_a_campaign_with_a_planted_pickle_fails_cleanly(tmp_path, tiny_prior, capsys):
    home = tmp_path / "home"
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                "p",
                "--oracle",
                "qed",
                "--prior",
                str(tiny_prior),
                "--rounds",
                "2",
                "--batch-size",
                "6",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    assert main(["--home", str(home), "run", "p", "--rounds", "1"]) == 0
    folder = campaign_dir("p", home)
    marker = tmp_path / "pwned"
    data = _evil_pickle(marker)
    with CampaignStore.open(folder) as store:  # the colleague swaps the model and fixes up its hash
        record = store.checkpoints("denoiser")[-1]
        (folder / record.path).write_bytes(data)
        store.db.execute(
            "UPDATE checkpoints SET sha256 = ? WHERE id = ?", [hashlib.sha256(data).hexdigest(), record.id]
        )
        store.db.conn.commit()
        n_measurements = len(store.measurements())
    capsys.readouterr()
    assert main(["--home", str(home), "run", "p"]) == 2
    assert "error:" in capsys.readouterr().err
    assert not marker.exists()
    with CampaignStore.open(folder) as store:
        assert len(store.measurements()) == n_measurements  # nothing lost either


# ---- paths stay inside the campaign folder ---------------------------------------------------------
@pytest.mark.parametrize("rel", ["../../x.safetensors", "/etc/passwd.safetensors", "checkpoints/../../x.safetensors"])
def test_checkpoint_paths_outside_the_folder_are_refused(tmp_path, rel):
    store = _store(tmp_path)
    _forge_checkpoint(store, rel)
    with pytest.raises(StoreError, match="outside the campaign folder"):
        store.checkpoint_path(store.checkpoints()[0])
    with pytest.raises(StoreError, match="outside the campaign folder"):
        store.add_checkpoint(1, "reward", tmp_path / "elsewhere.safetensors")


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    store = _store(tmp_path)
    outside = tmp_path / "secret.safetensors"
    outside.write_bytes(b"")
    (store.folder / "checkpoints" / "link.safetensors").symlink_to(outside)
    with pytest.raises(UnsafePathError):
        inside(store.folder, "checkpoints/link.safetensors")


def test_rollback_of_a_forged_path_writes_nothing_outside(tmp_path):
    store = _store(tmp_path)
    victim = tmp_path / "victim.safetensors"
    victim.write_text("keep me")
    _forge_checkpoint(store, "../victim.safetensors", b"keep me")
    with pytest.raises(UnsafePathError):
        rollback(store, 1)
    assert victim.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "victim.safetensors"]


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", ".hidden", "x" * 65])
def test_campaign_names_cannot_escape(name, tmp_path):
    with pytest.raises((ConfigError, ValueError)):
        CampaignConfig.from_json({"name": name})
    assert not (tmp_path / "x").exists()


def test_config_with_unknown_fields_is_refused():
    with pytest.raises(ConfigError, match="unknown CampaignConfig setting"):
        CampaignConfig.from_json({"name": "ok", "__class__": "os.system"})


# ---- databases that must not be modified -----------------------------------------------------------
def test_newer_schema_opens_read_only_for_status_and_export(tmp_path, capsys):
    home = tmp_path / "home"
    folder = campaign_dir("n", home)
    store = CampaignStore.create(folder, "n", "molecules", CampaignConfig(name="n").to_json())
    store.add_round(1, 1, [NewCandidate("CCO", "CCO", True)], None, 0.1)
    store.db["meta"].upsert({"key": "schema_version", "value": str(schema.SCHEMA_VERSION + 1)}, pk="key")
    store.close()
    before = (folder / "campaign.db").read_bytes()
    assert main(["--home", str(home), "status", "n", "--json"]) == 0
    out = capsys.readouterr()
    assert "read-only" in out.err and "newer Designer" in out.err
    assert json.loads(out.out)["warning"].startswith("opened read-only")
    assert main(["--home", str(home), "export", "n", str(tmp_path / "out.csv")]) == 0
    assert "CCO" in (tmp_path / "out.csv").read_text()
    assert main(["--home", str(home), "run", "n"]) == 2  # writing is refused, with the reason
    assert "upgrade designer-app" in capsys.readouterr().err
    assert (folder / "campaign.db").read_bytes() == before


def test_damaged_database_is_never_modified(tmp_path, capsys):
    home = tmp_path / "home"
    folder = campaign_dir("d", home)
    store = CampaignStore.create(folder, "d", "molecules", CampaignConfig(name="d").to_json())
    store.add_round(1, 200, [NewCandidate("C" * (i % 30 + 2), f"k{i}", True) for i in range(200)], None, 0.1)
    store.close()
    db = folder / "campaign.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for start in range(2 * page, len(data) - page, 2 * page):  # scribble over every other b-tree page header
        data[start : start + 12] = b"\x0d\xff\xff\xff\xff\x00\x00\x00\xff\xff\xff\xff"
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    with pytest.raises(StoreError, match="integrity check|damaged"):
        CampaignStore.open(folder)
    capsys.readouterr()
    assert main(["--home", str(home), "run", "d"]) == 2
    err = capsys.readouterr().err
    assert "was not modified" in err or "damaged" in err
    main(["--home", str(home), "status", "d"])  # read-only at most, whatever it manages to show
    assert db.read_bytes() == before


def test_version_1_database_is_migrated_keeping_rows_and_triggers(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    db = schema.connect(str(folder / "campaign.db"))
    with db.atomic():
        schema.MIGRATIONS[0](db)
        db["meta"].upsert({"key": "schema_version", "value": "1"}, pk="key")
        db["campaign"].insert({"id": 1, "name": "old", "domain": "molecules", "config_json": "{}", "created_at": "t"})
        db["rounds"].insert(
            {
                "idx": 1,
                "status": "proposed",
                "batch_size": 1,
                "started_at": "t",
                "updated_at": "t",
                "seconds_json": "{}",
                "metrics_json": "{}",
            }
        )
        db["candidates"].insert({"id": 1, "round": 1, "item": "CCO", "key": "CCO", "feasible": 1, "source": "model"})
        db["measurements"].insert(
            {
                "id": 1,
                "candidate_id": 1,
                "value": 0.4,
                "status": "ok",
                "source": "oracle:qed",
                "note": "",
                "created_at": "t",
            }
        )
    db.close()
    store = CampaignStore.open(folder)
    assert schema.schema_version(store.db) == schema.SCHEMA_VERSION == 2
    assert "discarded_at" in store.db["candidates"].columns_dict
    assert store.candidates()[0].score == pytest.approx(0.4)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM measurements")


def test_status_never_runs_the_oracle_file(tmp_path, tiny_prior, capsys):
    marker = tmp_path / "oracle-ran"
    oracle = tmp_path / "oracle.py"
    oracle.write_text(
        f"open({str(marker)!r}, 'a').write('x')\n"
        "def score(items):\n    return [1.0] * len(items)\nscore.optimum = 2.0\n"
    )
    home = tmp_path / "home"
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                "s",
                "--oracle",
                f"python:{oracle}:score",
                "--prior",
                str(tiny_prior),
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    assert marker.read_text() == "x"  # creating it validated the oracle: the user's own action
    capsys.readouterr()
    assert main(["--home", str(home), "status", "s", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["optimum"] == 2.0  # remembered at creation
    assert marker.read_text() == "x"  # looking at the campaign ran nothing


def test_version_1_database_can_be_read_without_migrating(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    db = schema.connect(str(folder / "campaign.db"))
    with db.atomic():
        schema.MIGRATIONS[0](db)
        db["meta"].upsert({"key": "schema_version", "value": "1"}, pk="key")
        db["rounds"].insert(
            {
                "idx": 1,
                "status": "proposed",
                "batch_size": 1,
                "started_at": "t",
                "updated_at": "t",
                "seconds_json": "{}",
                "metrics_json": "{}",
            }
        )
        db["candidates"].insert({"id": 1, "round": 1, "item": "CCO", "key": "CCO", "feasible": 1, "source": "model"})
    db.close()
    before = (folder / "campaign.db").read_bytes()
    store = CampaignStore.open_read_only(folder)  # what the GUI's snapshots use
    assert [c.item for c in store.candidates()] == ["CCO"] and store.checkpoints() == []
    store.close()
    assert (folder / "campaign.db").read_bytes() == before
