"""SQLite campaign store (sqlite-utils), versioned schema, atomic file writes, rollback of rounds."""

from designer_app.store.campaign_store import CampaignStore, StoreError
from designer_app.store.paths import campaign_dir, campaigns_dir, data_home
from designer_app.store.rollback import RollbackReport, rollback

__all__ = ["CampaignStore", "RollbackReport", "StoreError", "campaign_dir", "campaigns_dir", "data_home", "rollback"]
