"""SQLite campaign store (sqlite-utils), versioned schema, atomic file writes."""

from designer_app.store.campaign_store import CampaignStore, StoreError
from designer_app.store.paths import campaign_dir, campaigns_dir, data_home

__all__ = ["CampaignStore", "StoreError", "campaign_dir", "campaigns_dir", "data_home"]
