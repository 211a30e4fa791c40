"""The Campaign panel's "Batch choice" row: how rounds choose their batch and what the latest pool held."""

from __future__ import annotations

from types import SimpleNamespace

from designer_app.config import CampaignConfig, SelectionConfig
from designer_app.gui.campaign_panel import selection_text, summary_html


def test_the_batch_choice_row_says_how_the_batch_is_chosen_and_what_the_pool_held():
    cfg = CampaignConfig(name="c")
    snap = SimpleNamespace(
        rounds=[
            SimpleNamespace(index=1, metrics={}),
            SimpleNamespace(index=2, metrics={"pool_size": 1250, "pool_new": 1231}),
        ]
    )
    assert selection_text(cfg, snap) == (
        "from a pool of 10 × the batch, by the acquisition on the fingerprint/sequence GP, diversity 0.5; "
        "round 2: 1,250 drawn, 1,231 new"
    )
    assert "Batch choice" in summary_html(cfg, None)
    old = CampaignConfig(name="c", selection=SelectionConfig(pool=1))
    assert selection_text(old, None) == "the batch is sampled as drawn"
    assert selection_text(CampaignConfig(name="c", method="screen"), None) == "random items of the library"
