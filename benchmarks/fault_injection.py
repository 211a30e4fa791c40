"""Fault injection: SIGKILL real campaigns at random moments and at named points, resume, check the data.

    python benchmarks/fault_injection.py --kills 60            # the full harness (about 2-3 min, 2 cores)
    python benchmarks/fault_injection.py --kills 10 --quick    # the subset tests/reliability runs

Campaigns are real (tiny random-initialised priors, tests/conftest.py) and run in child processes forked
from a multiprocessing forkserver that imported torch, RDKit and Designer once, so starting and killing a
child costs milliseconds instead of an interpreter start. Each child runs a scenario of fault_child.py
(an oracle campaign; a lab campaign with imports, failed/pending scores, partial rounds, a rollback and the
lab's own molecule) until the campaign is finished. The harness kills it

* at random delays (uniform over the uninterrupted run's duration), and
* at every named fault point once (designer_app.faults: inside each kind of transaction, between a
  file's write and its rename, between a file's rename and the row that records it, ...),

then resumes it, again and again, and finally checks every campaign:

* SQLite `integrity_check` is ok after every kill, and `foreign_key_check` finds nothing at the end;
* no measurement seen after any kill is missing at the end (lost), none is stored twice (duplicated);
* no candidate without its round; every checkpoint file matches its recorded sha256;
* the measurements (item, value, status, source) equal those of an uninterrupted run of the same campaign,
  hence also the number of oracle calls.
Figures go to stdout and, with --out, to a JSON file (docs/reliability.md quotes them).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
for extra in (BENCH, BENCH.parent / "tests", BENCH.parent):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import fault_child  # noqa: E402  (module-level so the forkserver can unpickle its entry point)

SCENARIOS = ("oracle", "lab")
NAMED_POINTS: dict[str, tuple[str, ...]] = {
    "oracle": (
        "commit:add_round@1",
        "commit:measurements@1",
        "write:begin@1",
        "write:before_rename@1",
        "write:done@1",
        "commit:checkpoint@1",
        "commit:metrics@1",
        "commit:status@2",
        "committed:measurements@1",
    ),
    "lab": (
        "write:before_rename@1",
        "commit:import@1",
        "committed:import@1",
        "commit:rollback@1",
        "committed:rollback@1",
        "commit:candidates@1",
        "commit:import@1",
        "commit:status@3",
    ),
}
# The CI subset (tests/reliability): one kill inside each kind of step, on 2-round campaigns.
QUICK_POINTS: dict[str, tuple[str, ...]] = {
    "oracle": ("commit:measurements@1", "write:before_rename@1", "write:done@1", "commit:checkpoint@1"),
    "lab": ("commit:import@1", "committed:rollback@1", "commit:candidates@1"),
}
# What a child was doing when killed, from the last event it yielded: the step that comes next.
EVENT_PHASES = {
    "RoundStarted": "propose",
    "CandidatesProposed": "score",
    "ScoresRecorded": "fit",
    "ScoresAwaited": "lab file",
    "LogMessage": "fit",
    "RewardFitted": "finetune",
    "FinetuneProgress": "finetune",
    "FinetuneFinished": "finetune",
    "RoundFinished": "propose",
    "open": "propose",
    "start": "propose",
}
PRELOAD = [
    "fault_child",
    "designer_app.campaigns",
    "designer_app.models.diffusion_engine",
    "designer_app.domains.molecules",
    "designer_app.oracles",
    "designer_app.io.score_apply",
    "rdkit.Chem",
]
TINY = {
    "sample_steps": 6,
    "finetune": {"steps": 3, "batch_size": 8, "grad_steps": 2},
    "reward": {"epochs": 20, "n_heads": 3, "hidden": 8},
}


@dataclass(frozen=True)
class HarnessConfig:
    """One run of the harness.

    Attributes:
        kills: SIGKILLs to deliver at least (random and named together).
        seed: seed of the random kill delays.
        scenarios: scenarios to cycle through ("oracle", "lab").
        named_points: kill once at every named fault point of each scenario, too.
        quick: only the QUICK_POINTS (the CI subset).
        rounds: rounds per campaign.
        batch_size: candidates per round.
        max_kills_per_campaign: after this many kills a campaign is finished without kills and checked.
        child_timeout: seconds after which a child that should have finished counts as hung.
        start_method: "forkserver" (a clean process that imported everything once; the default),
            "fork" (children forked from this process: no import at all, for a test process that has
            torch and Designer loaded already), or "auto": fork when this process runs a single thread,
            native ones included (forking a multi-threaded process can deadlock the child on a lock
            another thread held), else forkserver.
    """

    kills: int = 60
    seed: int = 0
    scenarios: tuple[str, ...] = SCENARIOS
    named_points: bool = True
    quick: bool = False
    rounds: int = 3
    batch_size: int = 8
    max_kills_per_campaign: int = 4
    child_timeout: float = 120.0
    start_method: str = "forkserver"


@dataclass
class Figures:
    """What the harness did and found. Every "lost", "duplicated", "failures" and "mismatches" figure
    must be 0."""

    kills: int = 0
    random_kills: int = 0
    named_kills: int = 0
    resumes: int = 0
    campaigns: int = 0
    measurements_checked: int = 0
    measurements_lost: int = 0
    measurements_duplicated: int = 0
    integrity_failures: int = 0
    foreign_key_failures: int = 0
    orphan_candidates: int = 0
    checkpoint_mismatches: int = 0
    reference_mismatches: int = 0
    oracle_call_mismatches: int = 0
    child_errors: int = 0
    kills_by_phase: dict[str, int] = field(default_factory=dict)
    kills_by_context: dict[str, int] = field(default_factory=dict)
    named_points_hit: list[str] = field(default_factory=list)
    reference_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.measurements_lost
            or self.measurements_duplicated
            or self.integrity_failures
            or self.foreign_key_failures
            or self.orphan_candidates
            or self.checkpoint_mismatches
            or self.reference_mismatches
            or self.oracle_call_mismatches
            or self.child_errors
        )


class Harness:
    def __init__(self, cfg: HarnessConfig, workdir: Path) -> None:
        from conftest import build_tiny_prior

        self.cfg, self.workdir = cfg, workdir
        self.home = workdir / "home"
        self.prior = build_tiny_prior(workdir / "prior")
        self.oracle_file = workdir / "oracle.py"
        self.oracle_file.write_text(fault_child.ORACLE_SOURCE)
        method = _start_method(cfg.start_method)
        self.ctx = mp.get_context(method)
        if method == "forkserver":
            self.ctx.set_forkserver_preload(PRELOAD)
        else:
            import importlib

            for module in PRELOAD:  # what the children need, imported once here
                importlib.import_module(module)
        warm = self.ctx.Process(target=fault_child.warm_up)  # pay the imports once, outside any timing
        warm.start()
        warm.join()
        self.rng = random.Random(cfg.seed)
        self.figures = Figures()
        self.references: dict[str, dict] = {}
        self.counter = 0

    # ---- campaigns and children ------------------------------------------------------------------
    def new_campaign(self, scenario: str) -> str:
        from designer_app import campaigns
        from designer_app.config import CampaignConfig

        self.counter += 1
        name = f"{scenario}{self.counter:03d}"
        oracle = "manual" if scenario == "lab" else f"python:{self.oracle_file}:score"
        cfg = CampaignConfig.from_json(
            {
                "name": name,
                "oracle": oracle,
                "prior": str(self.prior),
                "seed": 0,
                "rounds": self.cfg.rounds,
                "batch_size": self.cfg.batch_size,
                **TINY,
            }
        )
        campaigns.create(cfg, self.home)
        return name

    def segment(
        self, name: str, scenario: str, delay: float | None = None, fault: str | None = None
    ) -> tuple[bool, str]:
        """Run a child until it finishes, dies at `fault`, or is killed after `delay` s. Returns
        (killed, what it was doing)."""
        trace = self.workdir / f"trace-{name}"
        trace.write_bytes(b"")
        child = self.ctx.Process(target=fault_child.run_child, args=(str(self.home), name, scenario, fault, str(trace)))
        child.start()
        child.join(self.cfg.child_timeout if delay is None else delay)
        if child.is_alive():
            if delay is None:
                self.figures.problems.append(f"{name}: child hung for {self.cfg.child_timeout} s (fault {fault})")
                self.figures.child_errors += 1
            os.kill(child.pid, signal.SIGKILL)
            child.join()
        code = child.exitcode
        doing = trace.read_bytes().decode(errors="replace").strip() or "start|-"
        if code not in (0, -signal.SIGKILL):
            self.figures.child_errors += 1
            self.figures.problems.append(f"{name}: child exited with {code} while {doing} (fault {fault})")
        return code == -signal.SIGKILL, doing

    # ---- the run ---------------------------------------------------------------------------------
    def reference(self, scenario: str) -> dict:
        if scenario not in self.references:
            name = self.new_campaign(scenario)
            t0 = time.monotonic()
            killed, _ = self.segment(name, scenario)
            self.figures.reference_seconds[scenario] = round(time.monotonic() - t0, 2)
            if killed:
                raise RuntimeError(f"the uninterrupted {scenario} run was killed")
            self.references[scenario] = read_state(self.db(name))
        return self.references[scenario]

    def campaign_with_kills(self, scenario: str, faults: list[str], random_kills: int) -> None:
        """One campaign: kill at each of `faults`, then `random_kills` times at random, then finish it."""
        self.reference(scenario)
        name = self.new_campaign(scenario)
        self.figures.campaigns += 1
        seen: dict[int, tuple] = {}
        horizon = self.figures.reference_seconds[scenario]
        # Later kills of a campaign come sooner: a resumed run has less left to do.
        plan = [(None, f) for f in faults] + [
            (self.rng.uniform(0.05, horizon / (1 + k)), None) for k in range(random_kills)
        ]
        for delay, fault in plan:
            killed, doing = self.segment(name, scenario, delay=delay, fault=fault)
            if not killed:
                break  # the campaign finished before this kill: check it
            self.count_kill(doing, fault)
            self.after_kill(name, seen)
        self.segment(name, scenario)  # resume to the end without kills
        self.check(name, scenario, seen)

    def count_kill(self, doing: str, fault: str | None) -> None:
        f = self.figures
        f.kills += 1
        f.resumes += 1  # every kill is followed by a resume
        if fault:
            f.named_kills += 1
            f.named_points_hit.append(fault)
        else:
            f.random_kills += 1
        phase, _, point = doing.partition("|")
        phase = EVENT_PHASES.get(phase.removeprefix("after "), phase)
        f.kills_by_phase[phase] = f.kills_by_phase.get(phase, 0) + 1
        context = (
            "file write"
            if point in ("write:begin", "write:before_rename")
            else "transaction"
            if point.startswith("commit:")
            else "between steps"
        )
        f.kills_by_context[context] = f.kills_by_context.get(context, 0) + 1

    def after_kill(self, name: str, seen: dict[int, tuple]) -> None:
        with sqlite3.connect(self.db(name)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                self.figures.integrity_failures += 1
                self.figures.problems.append(f"{name}: integrity_check failed after a kill")
            for row in conn.execute(f"SELECT {MEASUREMENT_COLUMNS} FROM measurements"):
                seen[row[0]] = row
        conn.close()

    def check(self, name: str, scenario: str, seen: dict[int, tuple]) -> None:
        f, state, ref = self.figures, read_state(self.db(name)), self.references[scenario]
        f.measurements_checked += len(state["rows"])
        f.integrity_failures += state["integrity"] != "ok"
        f.foreign_key_failures += bool(state["foreign_keys"])
        f.orphan_candidates += state["orphans"]
        f.checkpoint_mismatches += checkpoint_mismatches(self.db(name).parent)
        lost = [row for mid, row in seen.items() if state["rows"].get(mid) != row]
        f.measurements_lost += len(lost)
        f.measurements_duplicated += state["duplicated"]
        if state["content"] != ref["content"]:
            f.reference_mismatches += 1
            f.problems.append(f"{name}: measurements differ from the uninterrupted run")
        if state["oracle_calls"] != ref["oracle_calls"] or not state["finished"]:
            f.oracle_call_mismatches += 1
            f.problems.append(
                f"{name}: {state['oracle_calls']} oracle calls (uninterrupted: {ref['oracle_calls']}), "
                f"finished={state['finished']}"
            )
        if lost:
            f.problems.append(f"{name}: {len(lost)} measurements lost, e.g. {lost[0]}")

    def db(self, name: str) -> Path:
        return self.home / "campaigns" / name / "campaign.db"


def _start_method(requested: str) -> str:
    if requested != "auto":
        return requested
    try:
        threads = len(os.listdir("/proc/self/task"))  # native threads too (Qt, OpenMP), not only Python's
    except OSError:
        return "forkserver"
    return "fork" if threads == 1 else "forkserver"


MEASUREMENT_COLUMNS = "id, candidate_id, value, status, source, note, created_at, replaces"


def read_state(db: Path) -> dict:
    """Everything the checks compare, read with plain sqlite3 (independent of the code under test)."""
    conn = sqlite3.connect(db)
    try:
        rows = {r[0]: r for r in conn.execute(f"SELECT {MEASUREMENT_COLUMNS} FROM measurements")}
        content = sorted(
            conn.execute(
                "SELECT c.key, m.value, m.status, m.source FROM measurements m "
                "JOIN candidates c ON c.id = m.candidate_id"
            ),
            key=repr,
        )
        per_candidate = Counter((r[1], r[4]) for r in rows.values() if r[4].startswith("oracle:"))
        rounds = conn.execute("SELECT status FROM rounds").fetchall()
        n_rounds = json.loads(conn.execute("SELECT config_json FROM campaign").fetchone()[0])["rounds"]
        return {
            "rows": rows,
            "content": content,
            "duplicated": sum(n - 1 for n in per_candidate.values() if n > 1),
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "foreign_keys": conn.execute("PRAGMA foreign_key_check").fetchall(),
            "orphans": conn.execute(
                "SELECT COUNT(*) FROM candidates WHERE round NOT IN (SELECT idx FROM rounds)"
            ).fetchone()[0],
            "oracle_calls": conn.execute(
                "SELECT COUNT(DISTINCT candidate_id) FROM measurements WHERE status IN ('ok', 'failed')"
            ).fetchone()[0],
            "finished": len(rounds) == n_rounds and all(r[0] == "done" for r in rounds),
        }
    finally:
        conn.close()


def checkpoint_mismatches(folder: Path) -> int:
    from designer_app.atomic import sha256_file

    conn = sqlite3.connect(folder / "campaign.db")
    try:
        records = conn.execute("SELECT path, sha256 FROM checkpoints").fetchall()
    finally:
        conn.close()
    return sum(1 for path, digest in records if not (folder / path).is_file() or sha256_file(folder / path) != digest)


def run_harness(cfg: HarnessConfig, workdir: Path | None = None, log=print) -> Figures:
    """Run the harness; returns its figures (also when a check failed: see Figures.ok)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="designer-faults-") as tmp:
        harness = Harness(cfg, Path(workdir or tmp))
        f = harness.figures
        if cfg.named_points:
            for scenario in cfg.scenarios:
                points = (QUICK_POINTS if cfg.quick else NAMED_POINTS)[scenario]
                harness.campaign_with_kills(scenario, list(points), 0)
                log(f"named points, {scenario}: {f.kills} kills so far")
        i = 0
        while f.kills < cfg.kills:
            scenario = cfg.scenarios[i % len(cfg.scenarios)]
            harness.campaign_with_kills(scenario, [], cfg.max_kills_per_campaign)
            i += 1
            log(f"random kills: {f.kills}/{cfg.kills} kills, {f.campaigns} campaigns, lost {f.measurements_lost}")
        f.seconds = round(time.monotonic() - started, 1)
    return f


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=60, help="SIGKILLs to deliver at least (default 60)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--no-named", action="store_true", help="random kills only")
    p.add_argument("--quick", action="store_true", help="the CI subset: fewer named points, 2-round campaigns")
    p.add_argument("--workdir", default=None, help="keep the campaigns here (default: a temp folder)")
    p.add_argument("--out", default=None, help="write the figures as JSON")
    args = p.parse_args(argv)
    cfg = HarnessConfig(
        kills=args.kills,
        seed=args.seed,
        scenarios=tuple(args.scenarios.split(",")),
        named_points=not args.no_named,
        quick=args.quick,
        rounds=2 if args.quick else 3,
        max_kills_per_campaign=2 if args.quick else 4,
    )
    figures = run_harness(cfg, Path(args.workdir) if args.workdir else None)
    data = {**asdict(figures), "ok": figures.ok, "config": asdict(cfg)}
    print(json.dumps(data, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(data, indent=2) + "\n")
    return 0 if figures.ok else 1


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
