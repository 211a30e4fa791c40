"""What runs inside the process that the fault-injection harness kills (see fault_injection.py).

Two scenarios, both deterministic functions of what the campaign database holds, so a run that is
killed and resumed any number of times must end exactly where an uninterrupted run ends:

* ``oracle`` — a campaign scored by a Python oracle: propose, score, fit, fine-tune, three rounds;
* ``lab`` — a lab campaign (manual oracle): each round the "lab" writes a result file (scores, a few
  failed syntheses, a few still pending, late results for earlier pending ones, one molecule of its own)
  and imports it; the campaign goes on with partial scores (`allow_partial`); when round 2 awaits its
  scores, round 1 is rolled back once (its models and unscored proposals discarded, all measurements
  kept) and refilled.

The child reports what it is doing through a small trace file (phase and last fault point, overwritten
in place), so the harness can tell which phase a random kill hit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

TRACE_WIDTH = 64
ORACLE_SOURCE = """
import time
def score(items):
    time.sleep(0.01 * len(items))  # long enough that random kills land inside the oracle call too
    return [round((sum(map(ord, s)) % 97) / 97 + len(s) / 100, 6) for s in items]
"""
# The lab's own molecule, added with --add-new in round 2.
LAB_OWN_ITEM = "COc1ccc(CCN)cc1"


class Tracer:
    """Writes "phase|point" at offset 0 of a file (no fsync: it only has to survive SIGKILL, and the
    page cache does)."""

    def __init__(self, path: str | None) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644) if path else None
        self.phase, self.point = "start", "-"

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self._write()

    def set_point(self, point: str) -> None:
        self.point = point
        self._write()

    def _write(self) -> None:
        if self.fd is not None:
            os.pwrite(self.fd, f"{self.phase}|{self.point}".ljust(TRACE_WIDTH)[:TRACE_WIDTH].encode(), 0)


class Traced:
    """Proxy that records which engine/oracle method is running (propose, score, fit_reward, ...)."""

    def __init__(self, inner: Any, tracer: Tracer, label: dict[str, str]) -> None:
        self._inner, self._tracer, self._label = inner, tracer, label

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value) or name not in self._label:
            return value
        tracer, phase = self._tracer, self._label[name]

        def call(*args: Any, **kwargs: Any) -> Any:
            tracer.set_phase(phase)
            return value(*args, **kwargs)

        return call


ENGINE_PHASES = {
    "propose": "propose",
    "predict": "propose",
    "evolve": "propose",
    "fit_reward": "fit",
    "encode_items": "fit",
    "finetune": "finetune",
    "kl_to_prior": "finetune",
}


def warm_up() -> None:
    """A no-op child: starting it makes the forkserver import everything once, before timing starts."""


def run_child(home: str, name: str, scenario: str, fault: str | None, trace_path: str | None) -> None:
    """Entry point of a harness child: run `scenario` on campaign `name` until it is finished."""
    from designer_app import faults

    if fault:
        os.environ[faults.ENV_FAULT] = fault
    else:
        os.environ.pop(faults.ENV_FAULT, None)
    faults.reset()
    tracer = Tracer(trace_path)
    faults.set_tracer(tracer.set_point)
    if scenario == "oracle":
        _advance(home, name, tracer, allow_partial=False)
    elif scenario == "lab":
        _lab(home, name, tracer)
    else:
        raise ValueError(f"unknown scenario {scenario}")
    tracer.set_phase("finished")


def _advance(home: str, name: str, tracer: Tracer, allow_partial: bool) -> None:
    from designer_app import campaigns
    from designer_app.core import loop

    tracer.set_phase("open")
    campaign = campaigns.load(name, home, allow_partial=allow_partial)
    campaign.engine = Traced(campaign.engine, tracer, ENGINE_PHASES)
    campaign.oracle = Traced(campaign.oracle, tracer, {"score": "score"})
    try:
        for event in loop.run(campaign):
            tracer.set_phase(f"after {type(event).__name__}")
    finally:
        campaign.store.close()


def _lab(home: str, name: str, tracer: Tracer) -> None:
    from designer_app import campaigns
    from designer_app.config import CampaignConfig
    from designer_app.core.records import AWAITING, DONE

    while True:
        _advance(home, name, tracer, allow_partial=True)
        with campaigns.open_store(name, home) as store:
            rounds = store.rounds()
            total = len(CampaignConfig.from_json(store.config()).batch_sizes())
            if len(rounds) == total and all(r.status == DONE for r in rounds):
                return
            latest = rounds[-1]
            if latest.status != AWAITING:
                raise RuntimeError(f"lab scenario stuck: round {latest.index} is {latest.status}")
            first = store.round(1)
            if latest.index == 2 and not first.metrics.get("rollbacks"):
                tracer.set_phase("rollback")
                campaigns.rollback(store, 1)
                continue
            tracer.set_phase("lab file")
            path = write_lab_file(store, latest.index)
            tracer.set_phase("import")
            campaigns.import_scores(store, path, add_new=True)


def outcome(key: str, own_round: int, file_round: int) -> tuple[str, str]:
    """(score, status) the lab reports for a candidate: a fixed function of its key, so every run of
    the scenario writes the same files."""
    h = int(hashlib.sha1(key.encode()).hexdigest(), 16)
    if h % 10 == 0:
        return "", "failed"
    if h % 10 == 1 and own_round == file_round:
        return "", "pending"  # reported late, in the next round's file
    return f"{(h % 1000) / 1000:.3f}", "ok"


def write_lab_file(store, round_index: int) -> Path:
    """The lab's result file for `round_index`: every feasible candidate of rounds <= round_index."""
    from designer_app.io import ExportRow, write_csv

    rows = []
    for c in store.candidates():
        if c.round > round_index or not c.feasible or c.duplicate_of is not None or c.source == "user" or not c.item:
            continue
        score, status = outcome(c.key, c.round, round_index)
        rows.append(ExportRow(c.id, c.round, c.item, float(score) if score else None, status, None, None, True))
    if round_index == 2:
        rows.append(ExportRow(0, 2, LAB_OWN_ITEM, 0.777, "ok", None, None, True))
    path = Path(store.folder) / "lab" / f"round{round_index}.csv"
    write_csv(rows, path)
    if round_index == 2:  # the lab's own molecule has no id: blank it so the row is matched by item
        text = path.read_text().replace(f"\n0,2,{LAB_OWN_ITEM},", f"\n,2,{LAB_OWN_ITEM},")
        from designer_app.atomic import atomic_write_text

        atomic_write_text(path, text)
    return path
