"""Run the README's demo campaign (qed, 4 rounds x 128) once per method and tabulate per-round numbers.

    python benchmarks/demo_campaigns.py --home /tmp/demo --methods seiko-ucb,greedy,pretrained --out docs/results

Each campaign is a normal campaign (`designer-app new` + `run`, with the prior's recommended settings under
the options given here, as `new` applies them); the table reads `status --json`.
Writes <out>/demo_campaigns.json and <out>/demo_campaigns.md.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from designer_app import campaigns
from designer_app.config import CampaignConfig

ALL = "pretrained,greedy,non-adaptive,seiko-ucb,seiko-bootstrap,seiko-ts,ga"


def run_one(home: str, method: str, args) -> dict:
    name = f"demo-{method}-s{args.seed}"
    if not (Path(home) / "campaigns" / name / "campaign.db").exists():
        data = {"name": name, "domain": "molecules", "oracle": args.oracle, "prior": args.prior}
        explicit = {"method": method, "rounds": args.rounds, "batch_size": args.batch_size, "seed": args.seed}
        if args.beta is not None:
            explicit["beta"] = args.beta
        campaigns.create(CampaignConfig.from_json(campaigns.with_recommendations(data, explicit)), home)
    t0 = time.monotonic()
    for _ in campaigns.run(name, home):
        pass
    wall = time.monotonic() - t0
    with campaigns.open_store(name, home) as store:
        data = campaigns.status_json(store)
    data["wall_seconds"] = round(wall, 1)
    return data


def _num(value, fmt: str) -> str:
    return "" if value is None else format(value, fmt)


def table(results: list[dict]) -> str:
    lines = [
        "| method | round | mean | best | unique | KL to prior | gap (pred − true) | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for rd in r["rounds"]:
            secs = sum(rd["seconds"].values())
            lines.append(
                f"| {r['method']} | {rd['index']} | {_num(rd['mean'], '.3f')} | {_num(rd['best'], '.3f')} | "
                f"{_num(rd['unique_fraction'], '.2f')} | {_num(rd['kl_to_prior'], '.2f')} | "
                f"{_num(rd['prediction_gap'], '+.3f')} | {secs:.1f} |"
            )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--home", required=True)
    p.add_argument("--methods", default=ALL)
    p.add_argument("--oracle", default="qed")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--prior", default="", help="a prior folder or shipped name (default: the domain's)")
    p.add_argument("--beta", type=float, default=None, help="UCB bonus weight (default: as `designer-app new`)")
    p.add_argument("--out", default="docs/results")
    args = p.parse_args()
    results = [run_one(args.home, m, args) for m in args.methods.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "demo_campaigns.json").write_text(json.dumps(results, indent=2))
    (out / "demo_campaigns.md").write_text(table(results) + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
