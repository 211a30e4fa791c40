"""Longest stall of the GUI thread while a campaign round runs in the real main window.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_stall.py [PRIOR_FOLDER] [--batch-size 64]

Opens the main window (offscreen by default), creates a QED campaign in a temporary data home, and runs
rounds with "Run one round" while a 10 ms QTimer on the GUI thread records how late each tick fires.
The longest lateness is the longest time the window could not repaint or react: the target is <= 50 ms.
Without PRIOR_FOLDER the shipped default prior is used, or, when none is shipped, the tiny random prior
of the test suite (settings as in the tests, so the round is short). Prints one JSON object.

As `designer-app` does, the window first loads torch and the other engine libraries on a worker thread
(gui/warmup.py); the timer's lateness during that warm-up is reported on its own ("warmup"), and the
rounds start after it. `--no-warmup` skips it, so the first round pays for those imports as before.

Before the rounds, the same timer runs for --idle-seconds with the window open and no engine: on a shared
machine that "idle floor" is the lateness the machine's load alone causes, so compare the rounds with it
(the load average is reported too). The temporary data home is removed at the end (--keep keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def resolve_prior(arg: str | None, workdir: Path) -> tuple[str, bool]:
    """(prior spec, is the tiny test prior)."""
    if arg:
        return arg, False
    from designer_app.domains import get_domain
    from designer_app.resource_files import shipped_models_dir

    default = get_domain("molecules").default_prior
    if (shipped_models_dir() / default / "config.json").exists():
        return default, False
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from conftest import build_tiny_prior  # the test suite's tiny random prior

    print("no shipped prior: using the tiny test prior", file=sys.stderr)
    return str(build_tiny_prior(workdir / "tiny-prior")), True


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("prior", nargs="?", help="prior folder or shipped name (default: the shipped default prior)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--oracle", default="qed")
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds to run one after the other (the first one also pays for torch's one-time initialisation)",
    )
    p.add_argument("--interval-ms", type=int, default=10)
    p.add_argument("--idle-seconds", type=float, default=15.0, help="measure the idle window first (0: skip)")
    p.add_argument("--keep", action="store_true", help="keep the temporary data home")
    p.add_argument(
        "--no-warmup",
        action="store_true",
        help="do not load the engine's libraries before the first round (the app always does)",
    )
    args = p.parse_args()
    load_before = os.getloadavg()

    t_start = time.monotonic()
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from designer_app import campaigns
    from designer_app.config import CampaignConfig, FinetuneConfig, RewardConfig
    from designer_app.gui.main_window import MainWindow
    from designer_app.gui.warmup import Warmup

    app = QApplication.instance() or QApplication(sys.argv[:1])
    work = Path(tempfile.mkdtemp(prefix="gui-stall-"))
    window = MainWindow(home=work / "home", settings=QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window.show()
    t_window = time.monotonic() - t_start

    prior, tiny = resolve_prior(args.prior, work)
    extra = {}
    if tiny:
        extra = dict(
            sample_steps=6,
            finetune=FinetuneConfig(steps=3, batch_size=8, grad_steps=2),
            reward=RewardConfig(epochs=20, n_heads=3, hidden=8),
        )
    cfg = CampaignConfig(
        name="stall", prior=prior, oracle=args.oracle, rounds=args.rounds + 1, batch_size=args.batch_size, **extra
    )
    folder = campaigns.create(cfg, work / "home")

    per_round: list[list[float]] = []
    before_first_event: list[int] = []  # per round: ticks measured before the engine's first event
    idle: list[float] = []
    warming: list[float] = []
    warm_report: list = []
    stalls: list[dict] = []
    seconds: list[float] = []
    state = {"last": None, "t_round": 0.0, "rows": 0}
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(args.interval_ms)

    def tick() -> None:
        now = time.monotonic()
        last, state["last"] = state["last"], now
        target = (
            per_round[-1] if per_round else idle if state.get("idle") else warming if state.get("warming") else None
        )
        if last is None or target is None:
            return
        target.append(max(0.0, (now - last) * 1000 - args.interval_ms))
        if target[-1] > 50 and per_round:  # what was going on, to find the cause
            updates = getattr(window, "updates", None)  # (older windows updated panels directly)
            stalls.append(
                {
                    "ms": round(target[-1], 1),
                    "round": len(per_round),
                    "after_event": state.get("event"),
                    "event_ago_s": round(now - state.get("t_event", now), 2),
                    "last_updates": updates.applied[-3:] if updates is not None else [],
                }
            )

    timer.timeout.connect(tick)
    timer.start()

    def next_round() -> None:
        per_round.append([])
        before_first_event.append(-1)
        state["t_round"] = time.monotonic()
        window.campaign_panel.run_one_round()

    def idle_done() -> None:
        state["idle"] = False
        next_round()

    def opened(snapshot) -> None:
        window.session.snapshot_ready.disconnect(opened)
        if not args.no_warmup:  # as app.main does, but wait for it so the phases do not overlap
            warm = Warmup(window)
            warm.finished.connect(warmed)
            state["warming"] = True
            warm.start()
        else:
            after_warmup()

    def warmed(report) -> None:
        state["warming"] = False
        warm_report.append(report)
        after_warmup()

    def after_warmup() -> None:
        if args.idle_seconds > 0:
            QTimer.singleShot(200, lambda: state.update(idle=True))  # after the first paint settled
            QTimer.singleShot(200 + int(args.idle_seconds * 1000), idle_done)
        else:
            QTimer.singleShot(200, next_round)  # let the first paint of the opened campaign settle

    def finished() -> None:
        seconds.append(time.monotonic() - state["t_round"])
        # keep measuring for a second while the panels take in the last refresh, then go on
        QTimer.singleShot(1000, next_round if len(per_round) < args.rounds else done)

    def done() -> None:
        state["rows"] = window.candidates_panel.model.rowCount()
        app.quit()

    def first_event(event) -> None:
        state["event"], state["t_event"] = type(event).__name__, time.monotonic()
        if per_round and before_first_event[-1] < 0:
            before_first_event[-1] = len(per_round[-1])

    window.session.engine_event.connect(first_event)
    window.session.snapshot_ready.connect(opened)
    window.session.run_finished.connect(finished)
    window.session.error.connect(lambda title, message, details: print(title, message, details, file=sys.stderr))
    window.open_campaign(folder)
    app.exec()
    timer.stop()
    window.close()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    rounds = [
        {
            "round": i,
            "round_seconds": round(secs, 2),
            **summary(lateness),
            # loading = before the engine's first event: importing torch and loading the model (the
            # first round pays the one-time import); running = sampling, scoring, fitting, fine-tuning
            "loading": summary(lateness[: max(0, n)]),
            "running": summary(lateness[max(0, n) :]),
        }
        for i, (lateness, secs, n) in enumerate(zip(per_round, seconds, before_first_event), start=1)
    ]
    torch = sys.modules.get("torch")
    print(
        json.dumps(
            {
                "prior": prior if not tiny else "tiny test prior",
                "batch_size": args.batch_size,
                "window_open_seconds": round(t_window, 2),
                "rows": state["rows"],
                "torch_threads": torch.get_num_threads() if torch is not None else None,
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
                "idle_floor": summary(idle) if idle else None,
                "warmup": (
                    {**summary(warming), "seconds": round(warm_report[0].seconds, 2), "skipped": warm_report[0].skipped}
                    if warm_report
                    else None
                ),
                "longest_stall_ms": max((r["longest_stall_ms"] for r in rounds), default=None),
                "all_rounds": summary([x for lateness in per_round for x in lateness]),
                "all_rounds_running": summary(
                    [x for lateness, n in zip(per_round, before_first_event) for x in lateness[max(0, n) :]]
                ),
                "rounds": rounds,
                "worst_stalls": sorted(stalls, key=lambda x: -x["ms"])[:10],
            },
            indent=2,
        )
    )


def summary(lateness: list[float]) -> dict:
    """Longest, 99th-percentile and median lateness (ms), and how many ticks were over 50 ms late."""
    ordered = sorted(lateness) or [0.0]
    return {
        "ticks": len(lateness),
        "longest_stall_ms": round(ordered[-1], 1),
        "p99_stall_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
        "median_lateness_ms": round(statistics.median(ordered), 2),
        "stalls_over_50ms": sum(1 for x in lateness if x > 50),
    }


if __name__ == "__main__":
    main()
