"""Seconds per phase of one SEIKO round (propose, score, fit, fine-tune) with the shipped molecule prior.

    python benchmarks/round_time.py --batch-size 128 --method seiko-ucb

Runs a real campaign in a temporary home: round 1 proposes, scores (QED), fits and fine-tunes; the
phase times come from the store, exactly as `designer-app status` shows them. Also reports the peak
resident memory of the process. Numbers go to docs/performance.md, never into a timed unit test.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time

import torch

from designer_app import campaigns
from designer_app.config import CampaignConfig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--method", default="seiko-ucb")
    p.add_argument("--oracle", default="qed")
    p.add_argument("--repeats", type=int, default=1)
    args = p.parse_args()
    results = []
    for seed in range(args.repeats):
        with tempfile.TemporaryDirectory() as home:
            cfg = CampaignConfig(
                name="bench", oracle=args.oracle, method=args.method, rounds=2, batch_size=args.batch_size, seed=seed
            )
            campaigns.create(cfg, home)
            t0 = time.monotonic()
            for _ in campaigns.run("bench", home, max_rounds=1):
                pass
            wall = time.monotonic() - t0
            with campaigns.open_store("bench", home) as store:
                phases = store.round(1).seconds
            results.append({"seed": seed, "wall_seconds": round(wall, 2), "phases": phases})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "batch_size": args.batch_size,
                "method": args.method,
                "threads": torch.get_num_threads(),
                "runs": results,
                "peak_rss_mb": round(peak_mb),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
