"""`designer-app bench`: several methods x seeds on the same domain, oracle, budget and batch size.

Every run is a normal campaign (the same loop, store and engine as `designer-app new` + `run`) in a
temporary home, so a benchmark measures exactly what users run. Outputs in `--out`:
- runs/<method>-s<seed>.json: one finished run (kept, so an interrupted bench resumes where it stopped
  when the same command is run again; delete the folder to start over);
- results.json: the specification and every run's per-round true scores and timings;
- summary.md: the table of bench_report.summarise, with the command that reproduces it;
- best_so_far.png, top10.png: curves vs oracle calls, one line per method, band = ±1 sd over seeds.
"""

from __future__ import annotations

import json
import shlex
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from designer_app.bench_report import write_json
from designer_app.campaigns import prior_campaign_defaults, with_recommendations
from designer_app.config import CampaignConfig, ConfigError, new_campaign_config
from designer_app.core.methods import method_names


@dataclass(frozen=True)
class BenchSpec:
    """What one benchmark compares.

    Attributes:
        domain, oracle, prior: as for `designer-app new` ("" prior = the domain's default).
        methods: the methods compared, in table order.
        budget: oracle budget per run (candidates proposed; a multiple of `batch_size`).
        batch_size: candidates per round; rounds = budget / batch_size for every method.
        seeds: one run per method and seed.
        optimum: the oracle's optimum for regret (None = the oracle's own, if it declares one).
        overrides: configuration overrides for every run (as `--set KEY=VALUE`, nested dicts).
        k: the k of top-k mean and top-k AUC.
    """

    domain: str
    oracle: str
    methods: tuple[str, ...]
    budget: int
    batch_size: int
    seeds: tuple[int, ...]
    prior: str = ""
    optimum: float | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    k: int = 10

    def __post_init__(self) -> None:
        unknown = [m for m in self.methods if m not in method_names()]
        if unknown:
            raise ConfigError(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(method_names())}")
        if not self.methods:
            raise ConfigError("give at least one method, e.g. --methods pretrained,seiko-ucb")
        if self.batch_size < 1 or self.budget < self.batch_size or self.budget % self.batch_size:
            raise ConfigError(
                f"budget {self.budget} must be a positive multiple of the batch size {self.batch_size} "
                f"(e.g. --budget {max(1, self.budget // max(1, self.batch_size)) * max(1, self.batch_size)})"
            )
        if not self.seeds:
            raise ConfigError("give at least one seed, e.g. --seeds 3")

    @classmethod
    def from_json(cls, data: dict) -> BenchSpec:
        """The specification as results.json/spec.json store it (see spec_json)."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**fields, "methods": tuple(fields["methods"]), "seeds": tuple(fields["seeds"])})

    def prior_defaults(self) -> dict:
        """The settings the prior recommends (config.json `campaign_defaults`), applied under overrides."""
        return prior_campaign_defaults(self.prior, self.domain)

    def prior_weights(self) -> str:
        """sha256 of the prior's weight files (models.priors.weights_fingerprint). A prior that cannot be
        found raises resolve_prior's FileNotFoundError, which says where it looked: a resumed bench whose
        relative --prior names nothing from here must say that, not "another prior's weights"."""
        from designer_app.models.priors import resolve_prior, weights_fingerprint

        return weights_fingerprint(resolve_prior(self.prior, self.domain))

    @property
    def rounds(self) -> int:
        return self.budget // self.batch_size

    def config(self, method: str, seed: int) -> CampaignConfig:
        """The campaign configuration of one run."""
        data: dict[str, Any] = {
            "name": run_name(method, seed),
            "domain": self.domain,
            "oracle": self.oracle,
            "prior": self.prior,
            "method": method,
            "rounds": self.rounds,
            "batch_size": self.batch_size,
            "seed": seed,
            "optimum": self.optimum,
        }
        # as `designer-app new` does: the prior's recommended settings, then the user's overrides
        data = with_recommendations(data, self.overrides)
        if method == "non-adaptive" and self.rounds < 2:
            raise ConfigError("non-adaptive needs at least 2 rounds: make --budget at least twice --batch-size")
        return new_campaign_config(data)


@dataclass(frozen=True)
class RoundResult:
    """One round of one run: the true scores of its measured candidates in oracle-call order (None =
    failed or judged infeasible by the oracle) and what status --json reports about it."""

    index: int
    batch_size: int
    scores: list[float | None]
    seconds: dict[str, float]
    unique_fraction: float | None
    infeasible_fraction: float | None
    prediction_gap: float | None
    kl_to_prior: float | None
    prediction_spearman: float | None = None  # the reward model's ranking of this batch before measuring it


@dataclass(frozen=True)
class RunResult:
    """One finished campaign of a benchmark.

    Attributes:
        values: every oracle call's true score in call order (the curve the metrics read).
        unique_fraction: distinct feasible designs / candidates proposed, over the whole run.
        infeasible_fraction: proposals infeasible for the domain or the oracle, over the whole run.
        wall_seconds: wall time of the whole run (all rounds, including scoring).
        environment: the machine and library versions it ran on (environment.describe); None for runs
            made before designer-app recorded it. Runs that fine-tune replay bit for bit only on the same
            kind of machine.
    """

    method: str
    seed: int
    budget: int
    optimum: float | None
    values: list[float | None]
    rounds: list[RoundResult]
    unique_fraction: float
    infeasible_fraction: float
    wall_seconds: float
    environment: dict | None = None

    @classmethod
    def from_json(cls, data: dict) -> RunResult:
        data = dict(data)
        data["rounds"] = [RoundResult(**r) for r in data["rounds"]]
        return cls(**data)


def run_name(method: str, seed: int) -> str:
    return f"{method}-s{seed}"


def run_one(spec: BenchSpec, method: str, seed: int, home: Path | None = None) -> RunResult:
    """Create and run one campaign in `home` (a temporary folder when None) and read back its results."""
    from designer_app import campaigns, environment
    from designer_app.core import metrics

    with tempfile.TemporaryDirectory(prefix="designer-bench-") as tmp:
        where = Path(home) if home is not None else Path(tmp)
        cfg = spec.config(method, seed)
        if not _resumable(cfg, where):
            campaigns.create(cfg, where)
        t0 = time.monotonic()
        for _ in campaigns.run(cfg.name, where):
            pass
        wall = time.monotonic() - t0
        with campaigns.open_store(cfg.name, where) as store:
            state = campaigns.status(store)
            candidates = store.candidates()
    if state.state != "finished":
        raise RuntimeError(f"run {cfg.name} stopped in state '{state.state}'; a benchmark needs an automatic oracle")
    rounds = []
    for summary in state.rounds:
        in_round = [c for c in candidates if c.round == summary.index]
        rounds.append(
            RoundResult(
                index=summary.index,
                batch_size=summary.batch_size,
                scores=metrics.measured_sequence(in_round),
                seconds=dict(summary.seconds),
                unique_fraction=summary.unique_fraction,
                infeasible_fraction=summary.infeasible_fraction,
                prediction_gap=summary.prediction_gap,
                kl_to_prior=summary.kl_to_prior,
                prediction_spearman=summary.prediction_spearman,
            )
        )
    return RunResult(
        method=method,
        seed=seed,
        budget=spec.budget,
        optimum=state.optimum,
        values=metrics.measured_sequence(candidates),
        rounds=rounds,
        unique_fraction=metrics.unique_fraction(candidates) or 0.0,
        infeasible_fraction=metrics.infeasible_fraction(candidates) or 0.0,
        wall_seconds=round(wall, 2),
        environment=environment.describe(),
    )


def _resumable(cfg: CampaignConfig, home: Path) -> bool:
    """Whether a kept campaign of this run (--keep-campaigns) is already in `home`: a bench interrupted
    mid-run resumes it from its last committed step (campaigns resume exactly) instead of failing with
    "already exists"; its wall time then counts the resumed part only. One made with other settings is
    refused: its rounds would not be this run's."""
    from designer_app.store import CampaignStore, campaign_dir

    folder = campaign_dir(cfg.name, home)
    if not (folder / CampaignStore.DB_NAME).exists():
        return False
    with CampaignStore.open_for_reading(folder) as store:
        theirs = CampaignConfig.from_json(store.config())
    if replace(theirs, workdir="") != replace(cfg, workdir=""):  # the folder it was started from may differ
        raise ConfigError(
            f"{folder} holds a campaign of run {cfg.name} made with other settings; move it away "
            "or choose another --out"
        )
    return True


def run_bench(
    spec: BenchSpec,
    out: str | Path,
    command: str = "",
    keep_campaigns: bool = False,
    log: Callable[[str], None] = print,
) -> Iterator[RunResult]:
    """Run every method x seed not yet finished in `out`, one at a time, then write the report.
    Yields each finished run. `command` is written into summary.md as the way to reproduce it."""
    from designer_app import bench_report

    out = Path(out).expanduser()
    runs_dir = out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    spec_data = _check_same_spec(spec, out)
    results: list[RunResult] = []
    for method in spec.methods:
        for seed in spec.seeds:
            path = runs_dir / f"{run_name(method, seed)}.json"
            if path.exists():
                result = RunResult.from_json(json.loads(path.read_text()))
                log(f"{run_name(method, seed)}: already done ({result.wall_seconds:.0f} s), reusing {path}")
            else:
                log(f"{run_name(method, seed)}: running {spec.rounds} rounds x {spec.batch_size}")
                # `out` is the data home of the kept campaigns, so they live in out/campaigns/<run> next
                # to runs/ and the report, and `designer-app --home OUT status <run>` opens them
                home = out if keep_campaigns else None
                result = run_one(spec, method, seed, home)
                write_json(path, asdict(result))
                best = max((v for v in result.values if v is not None), default=float("nan"))
                log(f"{run_name(method, seed)}: done in {result.wall_seconds:.0f} s, best {best:.4f}")
            results.append(result)
            yield result
    bench_report.write_report(spec, results, out, spec_data, command)


def _check_same_spec(spec: BenchSpec, out: Path) -> dict:
    """Refuse to mix runs of different specifications in one folder (their numbers would not compare),
    including runs of another trained prior under the same name (a retrained or replaced prior). Returns
    the specification as written (spec_json), so the report records the one that was checked."""
    path = out / "spec.json"
    mine = spec_json(spec)
    if path.exists():
        theirs = json.loads(path.read_text())
        if theirs.get("prior_weights") is None and any((out / "runs").glob("*.json")):
            raise ConfigError(
                f"{out} holds runs whose prior weights were not recorded (made before designer-app recorded "
                f"them), so they may come from another version of the prior; choose another --out"
            )
        comparable = {k: v for k, v in mine.items() if k not in ("methods", "seeds")}
        if {k: theirs.get(k) for k in comparable} != comparable:
            what = (
                "another prior's weights" if theirs.get("prior_weights") != mine["prior_weights"] else "other settings"
            )
            raise ConfigError(f"{out} holds a benchmark with {what} ({path}); choose another --out")
    write_json(path, mine)
    return mine


def spec_json(spec: BenchSpec) -> dict:
    data = asdict(spec)
    data["methods"], data["seeds"] = list(spec.methods), list(spec.seeds)
    # recorded so that runs made before a prior's recommendations changed are never mixed with later ones
    data["prior_defaults"] = spec.prior_defaults()
    # and so that runs of a retrained prior under the same name are never mixed with the old one's
    data["prior_weights"] = spec.prior_weights()
    return data


def parse_seeds(text: str) -> tuple[int, ...]:
    """ "3" -> (0, 1, 2); "4,7" -> (4, 7); "5," -> (5,)."""
    text = str(text).strip()
    advice = f"--seeds {text}: give a count (3 = seeds 0, 1, 2) or a list (4,7; one seed: 5,)"
    try:
        seeds = tuple(int(s) for s in text.split(",") if s.strip()) if "," in text else tuple(range(int(text)))
    except ValueError:
        raise ConfigError(advice) from None
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ConfigError(advice)
    return seeds


def command_line(argv: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in ["designer-app", *argv])
