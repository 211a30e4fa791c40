"""Compute figures of the engine on this machine: how a round's cost grows, and how well it uses the CPU.

    OMP_NUM_THREADS=1 python benchmarks/compute.py --domain molecules --out docs/results/compute-molecules.json

Measures, with the domain's shipped prior and the settings `designer-app new` gives a campaign on it (the
global defaults under the prior's recommendations, e.g. 16 trajectories per fine-tuning step for images),
in one process:
- propose (sample + decode + feasibility) seconds vs batch size, and sampling throughput (items/s);
- fit (reward ensemble) seconds vs number of stored measurements;
- fine-tune seconds per round (default steps) and per optimiser step — independent of the batch size
  and of the stored measurements by construction (it draws its own trajectories);
- the denoiser's achieved FLOP/s while sampling (FLOPs counted by torch.utils.flop_counter on one
  forward pass) divided by the machine's dense-matmul FLOP/s measured in the same run and threads;
- peak resident memory of the process, and the machine's load average (the machine is shared).
Numbers go to docs/benchmarks.md, never into a timed unit test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import torch

from designer_app.config import CampaignConfig
from designer_app.core.methods import Acquisition
from designer_app.environment import describe


def matmul_flops(n: int = 1024, seconds: float = 2.0) -> float:
    """Dense float32 matmul FLOP/s of this process (2 n^3 per product), best of repeated timings."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)  # warm-up
    best, t_end = 0.0, time.monotonic() + seconds
    while time.monotonic() < t_end:
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = max(best, 2 * n**3 / (time.perf_counter() - t0))
    return best


def denoiser_flops(engine, batch: int) -> float:
    """FLOPs of one denoiser forward pass on `batch` samples."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.randn(batch, *engine.shape)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        engine.prior.denoiser(x, 500)
    return float(counter.get_total_flops())


def timed(fn, repeats: int = 1) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--domain", default="molecules")
    p.add_argument("--prior", default="")
    p.add_argument("--batch-sizes", default="32,64,128,256,512")
    p.add_argument("--stored", default="64,128,256,512,1024")
    p.add_argument(
        "--finetune-steps", type=int, default=5, help="steps timed (the per-round figure scales to the default)"
    )
    p.add_argument("--out", default=None)
    args = p.parse_args()

    from designer_app.campaigns import make_engine, with_recommendations

    # the settings `designer-app new` gives a campaign on this prior (its recommendations under the defaults)
    cfg = CampaignConfig.from_json(
        with_recommendations({"name": "compute", "domain": args.domain, "prior": args.prior}, {})
    )
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(cfg, tmp)
        load_seconds = time.perf_counter() - t0
        never = lambda: False  # noqa: E731
        peak_matmul = matmul_flops()

        propose = {}
        for b in [int(s) for s in args.batch_sizes.split(",")]:
            seconds = timed(lambda: engine.propose(b, None, 0, never), repeats=2)  # noqa: B023 - called here
            propose[b] = {"seconds": round(seconds, 3), "items_per_s": round(b / seconds, 1)}

        # the denoiser alone while sampling: steps x one forward pass of the largest batch
        b = max(propose)
        from designer_app.models.latent_diffusion import sample

        sample_seconds = timed(
            lambda: sample(engine.prior.denoiser, b, engine.shape, engine.schedule, torch.Generator().manual_seed(0)),
            repeats=2,
        )
        flops = denoiser_flops(engine, b) * engine.schedule.sample_steps
        achieved = flops / sample_seconds

        # reward fits on N prior samples labelled with a cheap synthetic score (time does not depend on it)
        fit = {}
        n_max = max(int(s) for s in args.stored.split(","))
        pool = engine.propose(n_max, None, 1, never).latents
        labels = [float(sum(v[:4])) for v in pool]
        for n in [int(s) for s in args.stored.split(",")]:
            out = str(Path(tmp) / f"reward_{n}.safetensors")
            fit[n] = round(timed(lambda: engine.fit_reward(pool[:n], labels[:n], out, 0)), 3)  # noqa: B023

        reward_path = str(Path(tmp) / f"reward_{n_max}.safetensors")
        steps = args.finetune_steps
        t_ft = timed(
            lambda: list(
                engine.finetune(
                    None,
                    None,
                    reward_path,
                    str(Path(tmp) / "d.safetensors"),
                    Acquisition("ucb-gram", beta=cfg.beta),
                    steps,
                    0,
                    never,
                )
            )
        )
        per_step = t_ft / steps
    result = {
        "domain": args.domain,
        "prior": args.prior or "default",
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "environment": describe(),  # CPU model and library versions, as bench runs record them
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "prior_load_seconds": round(load_seconds, 2),
        "propose_vs_batch": propose,
        "fit_vs_stored": fit,
        "finetune_seconds_per_step": round(per_step, 3),
        "finetune_seconds_per_round": round(per_step * cfg.finetune.steps, 2),
        "finetune_settings": {
            "steps": cfg.finetune.steps,
            "batch_size": cfg.finetune.batch_size,
            "grad_steps": cfg.finetune.grad_steps,
            "sample_steps": cfg.sample_steps,
        },
        "denoiser_gflops_per_s": round(achieved / 1e9, 3),
        "matmul_gflops_per_s": round(peak_matmul / 1e9, 3),
        "denoiser_fraction_of_matmul": round(achieved / peak_matmul, 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
