"""Campaign folders whose path holds characters that mean something in a URI ('#', '?', '%', non-ASCII).

The read-only open goes through an SQLite URI; written raw, '#'/'?' cut the path short (SQLite opened, and
created, another empty file there, so the integrity and "newer Designer" checks looked at the wrong file)
and '%20' was decoded into another name (every command failed with a traceback).
"""

import hashlib
import sqlite3

import pytest
from conftest import TINY_SETTINGS
from sequence_helpers import build_tiny_sequence_prior

from designer_app.cli import main
from designer_app.store import CampaignStore, StoreError, campaign_dir, schema

NAMES = ["lab #3", "what?", "a%20b", "données", "x #?%41 y"]


def _tree(root):
    """Every path under `root`, but SQLite's own -wal/-shm files next to campaign.db (a WAL database
    has them while it is open, read-only too)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.name.endswith(("-wal", "-shm")))


def _make_store(folder):
    store = CampaignStore.create(folder, "c1", "dna", {"name": "c1", "domain": "dna"})
    store.close()
    return folder


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", NAMES)
def test_read_only_open_reads_the_right_file_and_creates_none(name, tmp_path):
    folder = _make_store(tmp_path / name / "campaigns" / "c1")
    before = _tree(tmp_path)
    with CampaignStore.open_read_only(folder) as store:
        assert store.config() == {"name": "c1", "domain": "dna"}
        assert schema.schema_version(store.db) == schema.SCHEMA_VERSION
    with CampaignStore.open(folder) as store:  # the read-only probe, then the writable open
        assert store.config()["name"] == "c1"
    assert _tree(tmp_path) == before  # no stray database next to a cut-off path ("lab ", "what")


@pytest.mark.parametrize("name", NAMES)
def test_a_database_from_a_newer_designer_is_refused_and_not_modified(name, tmp_path):
    folder = _make_store(tmp_path / name / "campaigns" / "c1")
    db = folder / CampaignStore.DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    digest, before = _digest(db), _tree(tmp_path)
    with pytest.raises(StoreError, match="newer Designer"):
        CampaignStore.open(folder)
    with CampaignStore.open_for_reading(folder) as store:  # status/export still read it, read-only
        assert store.read_only and "newer Designer" in store.warning
        assert store.config()["name"] == "c1"
    assert _digest(db) == digest and _tree(tmp_path) == before


def test_a_database_that_cannot_be_opened_is_a_store_error_and_nothing_is_created(tmp_path):
    missing = tmp_path / "lab #3" / "campaign.db"
    with pytest.raises(StoreError, match="cannot open the campaign database .*lab #3.*read-only"):
        schema.connect(str(missing), read_only=True)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def dna_prior(tmp_path_factory):
    return build_tiny_sequence_prior(tmp_path_factory.mktemp("dna") / "dna-prior", domain="dna")


@pytest.mark.parametrize("name", ["lab #3", "a%20b"])
def test_a_campaign_runs_in_such_a_folder(name, tmp_path, dna_prior, capsys):
    home = tmp_path / name
    assert (
        main(
            [
                "--home",
                str(home),
                "new",
                "c1",
                "--domain",
                "dna",
                "--oracle",
                "tfbind8:SIX6_REF_R1",
                "--prior",
                str(dna_prior),
                "--rounds",
                "2",
                "--batch-size",
                "6",
                *TINY_SETTINGS,
            ]
        )
        == 0
    )
    assert main(["--home", str(home), "run", "c1"]) == 0
    capsys.readouterr()
    assert main(["--home", str(home), "status", "c1"]) == 0
    assert "finished" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    with CampaignStore.open(campaign_dir("c1", home)) as store:
        assert len(store.candidates()) == 12
