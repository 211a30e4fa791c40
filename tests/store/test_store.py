import sqlite3

import pytest

from designer_app.atomic import sha256_file
from designer_app.core.protocols import OracleResult
from designer_app.core.records import NewCandidate
from designer_app.store import CampaignStore, StoreError, schema


def new_store(tmp_path, n=3):
    store = CampaignStore.create(tmp_path / "c", "c", "molecules", {"name": "c"})
    ids = store.add_round(
        1, n, [NewCandidate(f"C{'C' * i}O", f"C{'C' * i}O", True, latent=[float(i)]) for i in range(n)], None, 0.5
    )
    return store, ids


def test_round_and_candidates_round_trip(tmp_path):
    store, ids = new_store(tmp_path)
    store.close()
    store = CampaignStore.open(tmp_path / "c")
    assert [c.id for c in store.candidates(1)] == ids
    assert store.candidates(1)[2].latent == [2.0]
    assert store.round(1).status == "proposed" and store.round(1).seconds == {"propose": 0.5}
    with sqlite3.connect(tmp_path / "c" / "campaign.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_measurements_are_append_only(tmp_path):
    store, ids = new_store(tmp_path)
    store.record_measurements([(ids[0], OracleResult(0.3))], "oracle:qed")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE measurements SET value = 1.0")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM measurements")
    assert store.measurements()[0].value == 0.3


def test_edit_replaces_and_replicates_average(tmp_path):
    store, ids = new_store(tmp_path)
    first = store.record_measurements([(ids[0], OracleResult(0.3)), (ids[1], OracleResult(0.2))], "import")
    store.record_measurements([(ids[0], OracleResult(0.9))], "import", replaces={ids[0]: first[0]})
    store.record_measurements([(ids[1], OracleResult(0.4))], "import")  # replicate
    by_id = {c.id: c for c in store.candidates()}
    assert by_id[ids[0]].score == pytest.approx(0.9) and by_id[ids[0]].n_replicates == 1
    assert by_id[ids[1]].score == pytest.approx(0.3) and by_id[ids[1]].n_replicates == 2
    assert by_id[ids[1]].score_spread == pytest.approx(0.2)
    assert len(store.measurements(ids[0])) == 2  # history kept


def test_failed_nan_and_pending_statuses(tmp_path):
    store, ids = new_store(tmp_path)
    store.record_measurements(
        [
            (ids[0], OracleResult(None, "failed", "timeout")),
            (ids[1], OracleResult(float("nan"))),
            (ids[2], OracleResult(None, "pending")),
        ],
        "oracle",
    )
    statuses = [c.score_status for c in store.candidates()]
    assert statuses == ["failed", "failed", "pending"]  # NaN is stored as a failed measurement


def test_status_and_measurements_commit_together(tmp_path):
    store, ids = new_store(tmp_path)
    with pytest.raises(ValueError):
        store.record_measurements([(ids[0], OracleResult(0.5))], "oracle", round_status=(1, "no-such-status"))
    assert store.measurements() == []  # the whole transaction rolled back
    assert store.round(1).status == "proposed"


def test_duplicates_point_to_first_candidate(tmp_path):
    store, ids = new_store(tmp_path)
    later = store.add_round(2, 2, [NewCandidate("CO", "CO", True), NewCandidate("CCO", "CCO", True)], None, 0.1)
    cands = {c.id: c for c in store.candidates(2)}
    assert cands[later[1]].duplicate_of == ids[1]
    assert cands[later[0]].duplicate_of == ids[0]


def test_checkpoint_hash_is_verified(tmp_path):
    store, _ = new_store(tmp_path)
    import numpy as np
    from safetensors.numpy import save

    path = store.folder / "checkpoints" / "x.safetensors"
    path.write_bytes(save({"w": np.zeros(3, dtype=np.float32)}))
    checkpoint_id = store.add_checkpoint(1, "denoiser", path, round_status="fitted")
    record = store.checkpoints()[0]
    assert record.id == checkpoint_id and record.path == "checkpoints/x.safetensors"
    assert store.checkpoint_path(record) == path.resolve()
    assert store.round(1).status == "fitted"
    path.write_bytes(save({"w": np.ones(3, dtype=np.float32)}))
    with pytest.raises(StoreError, match="sha256"):
        store.checkpoint_path(record)
    path.write_bytes(b"not safetensors")  # a forged row with the right hash still does not load garbage
    store.db.execute("UPDATE checkpoints SET sha256 = ?", [sha256_file(path)])
    with pytest.raises(StoreError, match="not a valid safetensors file"):
        store.checkpoint_path(store.checkpoints()[0])


def test_newer_schema_is_not_modified(tmp_path):
    store, _ = new_store(tmp_path)
    store.db["meta"].upsert({"key": "schema_version", "value": str(schema.SCHEMA_VERSION + 1)}, pk="key")
    store.close()
    before = (tmp_path / "c" / "campaign.db").read_bytes()
    with pytest.raises(StoreError, match="newer Designer"):
        CampaignStore.open(tmp_path / "c")
    assert (tmp_path / "c" / "campaign.db").read_bytes() == before
    assert CampaignStore.open_read_only(tmp_path / "c").rounds()[0].index == 1


def test_damaged_database_is_refused(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "campaign.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="damaged"):
        CampaignStore.open(folder)


def test_create_refuses_existing_campaign(tmp_path):
    new_store(tmp_path)
    with pytest.raises(StoreError, match="already exists"):
        CampaignStore.create(tmp_path / "c", "c", "molecules", {})
