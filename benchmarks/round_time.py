"""Seconds per phase of every round of a SEIKO campaign (propose, score, fit, fine-tune) with a shipped prior.

    python benchmarks/round_time.py --rounds 8 --batch-size 125 --oracle guacamol:fexofenadine-mpo

Runs a real campaign at the defaults `designer-app new` gives (pool selection, top-up, 40 fine-tuning steps)
in a temporary home; the phase times come from the store, exactly as `designer-app status` shows them. The
last round is the dearest (its pool is ranked by a GP on every label so far). Also reports the wall time of
the whole campaign and the peak resident memory. Numbers go to docs/performance.md, never into a timed test.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time

import torch

from designer_app import campaigns
from designer_app.config import new_campaign_config


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch-size", type=int, default=125)
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--method", default="seiko-ucb")
    p.add_argument("--domain", default="molecules")
    p.add_argument("--oracle", default="guacamol:fexofenadine-mpo")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as home:
        data = {"name": "bench", "domain": args.domain, "oracle": args.oracle, "method": args.method}
        data.update(rounds=args.rounds, batch_size=args.batch_size, seed=args.seed)
        cfg = new_campaign_config(campaigns.with_recommendations(data, {}))
        campaigns.create(cfg, home)
        t0 = time.monotonic()
        round_walls, last = [], t0
        for event in campaigns.run("bench", home):
            if type(event).__name__ == "RoundFinished":
                now = time.monotonic()
                round_walls.append(round(now - last, 2))
                last = now
        wall = time.monotonic() - t0
        with campaigns.open_store("bench", home) as store:
            rounds = [
                {"round": r.index, "wall_seconds": w, "phases": r.seconds} for r, w in zip(store.rounds(), round_walls)
            ]
    print(
        json.dumps(
            {
                "domain": args.domain,
                "oracle": args.oracle,
                "batch_size": args.batch_size,
                "method": args.method,
                "threads": torch.get_num_threads(),
                "campaign_wall_seconds": round(wall, 1),
                "slowest_round_seconds": max(round_walls) if round_walls else None,
                "rounds": rounds,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
