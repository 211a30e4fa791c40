"""A round decodes the stored latents once at most: only fitting the reward model reads them; proposing,
scoring and the figures of each event read the candidates without them (Store.candidates with_latents)."""

from conftest import TINY_SETTINGS

from designer_app import campaigns
from designer_app.cli import main
from designer_app.core import loop
from designer_app.store import campaign_store

ROUNDS, BATCH = 3, 6


class CountingStore:
    """The campaign's store, counting the reads of candidates that asked for their latents."""

    def __init__(self, store):
        self._store = store
        self.with_latents = 0

    def candidates(self, round_index=None, *, with_latents=True):
        self.with_latents += with_latents
        return self._store.candidates(round_index, with_latents=with_latents)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_each_round_decodes_the_stored_latents_once(tmp_path, tiny_prior, monkeypatch):
    home = tmp_path / "home"
    new = ["--home", str(home), "new", "c", "--oracle", "qed", "--prior", str(tiny_prior), "--method", "seiko-ucb"]
    assert main([*new, "--rounds", str(ROUNDS), "--batch-size", str(BATCH), *TINY_SETTINGS]) == 0
    decoded = []
    real_decode = campaign_store._latent

    def counting_decode(text):
        decoded.append(text)
        return real_decode(text)

    monkeypatch.setattr(campaign_store, "_latent", counting_decode)
    campaign = campaigns.load("c", home)
    store = CountingStore(campaign.store)
    campaign.store = store
    try:
        for index in range(1, ROUNDS + 1):
            decoded.clear()
            store.with_latents = 0
            events = [type(e).__name__ for e in loop.run(campaign, max_rounds=1)]
            assert "RewardFitted" in events and "RoundFinished" in events
            # fitting reads every candidate so far once (it was 4 reads per round, 6 in the last one)
            assert store.with_latents == 1, f"round {index}"
            # one decode per stored candidate (top-up keeps the draw's repeats as such, so >= the batch)
            stored = len(store._store.candidates(with_latents=False))
            assert len(decoded) == stored >= index * BATCH, f"round {index}"
        assert store.round(ROUNDS).status == "done"
        assert campaigns.status(store._store).state == "finished"
        # the figures of the events are unchanged by reading without latents
        finished = store.events()[-1]
        assert finished["kind"] == "CampaignFinished"
        everyone = store._store.candidates()
        assert finished["payload"]["oracle_calls"] == sum(c.measured_here for c in everyone)
        assert finished["payload"]["best_so_far"] == max(c.score for c in everyone if c.score is not None)
    finally:
        campaign.store.close()


def test_candidates_without_latents_are_otherwise_the_same(tmp_path, tiny_prior):
    home = tmp_path / "home"
    new = ["--home", str(home), "new", "c", "--oracle", "qed", "--prior", str(tiny_prior), "--rounds", "1"]
    assert main([*new, "--batch-size", "4", *TINY_SETTINGS]) == 0
    assert main(["--home", str(home), "run", "c"]) == 0
    with campaigns.open_store("c", home) as store:
        full, light = store.candidates(), store.candidates(with_latents=False)
        assert any(c.latent is not None for c in full) and all(c.latent is None for c in light)
        assert [c.__dict__ | {"latent": None} for c in full] == [c.__dict__ for c in light]
        assert store.candidates(1, with_latents=False) == light
