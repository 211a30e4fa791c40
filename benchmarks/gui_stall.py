"""Longest stall of the GUI thread while a campaign round runs in the real main window.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_stall.py [PRIOR_FOLDER] [--batch-size 64]

Opens the main window (offscreen by default), creates a QED campaign in a temporary data home, and runs
one round with "Run one round" while a 10 ms QTimer on the GUI thread records how late each tick fires.
The longest lateness is the longest time the window could not repaint or react: the target is <= 50 ms.
Without PRIOR_FOLDER the shipped default prior is used, or, when none is shipped, the tiny random prior
of the test suite (settings as in the tests, so the round is short). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
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
    from designer_app.models.priors import DEFAULT_PRIORS, shipped_models_dir

    if (shipped_models_dir() / DEFAULT_PRIORS["molecules"] / "config.json").exists():
        return DEFAULT_PRIORS["molecules"], False
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from conftest import build_tiny_prior  # the test suite's tiny random prior

    print("no shipped prior: using the tiny test prior", file=sys.stderr)
    return str(build_tiny_prior(workdir / "tiny-prior")), True


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("prior", nargs="?", help="prior folder or shipped name (default: the shipped default prior)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--oracle", default="qed")
    p.add_argument("--rounds", type=int, default=2, help="rounds to run one after the other (the first one also "
                   "pays for torch's one-time initialisation)")
    p.add_argument("--interval-ms", type=int, default=10)
    args = p.parse_args()

    t_start = time.monotonic()
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from designer_app import campaigns
    from designer_app.config import CampaignConfig, FinetuneConfig, RewardConfig
    from designer_app.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    work = Path(tempfile.mkdtemp(prefix="gui-stall-"))
    window = MainWindow(home=work / "home", settings=QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window.show()
    t_window = time.monotonic() - t_start

    prior, tiny = resolve_prior(args.prior, work)
    extra = {}
    if tiny:
        extra = dict(sample_steps=6, finetune=FinetuneConfig(steps=3, batch_size=8, grad_steps=2),
                     reward=RewardConfig(epochs=20, n_heads=3, hidden=8))
    cfg = CampaignConfig(name="stall", prior=prior, oracle=args.oracle, rounds=args.rounds + 1,
                         batch_size=args.batch_size, **extra)
    folder = campaigns.create(cfg, work / "home")

    per_round: list[list[float]] = []
    seconds: list[float] = []
    state = {"last": None, "t_round": 0.0, "rows": 0}
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(args.interval_ms)

    def tick() -> None:
        now = time.monotonic()
        if state["last"] is not None and per_round:
            per_round[-1].append(max(0.0, (now - state["last"]) * 1000 - args.interval_ms))
        state["last"] = now

    timer.timeout.connect(tick)
    timer.start()

    def next_round() -> None:
        per_round.append([])
        state["t_round"] = time.monotonic()
        window.campaign_panel.run_one_round()

    def opened(snapshot) -> None:
        window.session.snapshot_ready.disconnect(opened)
        QTimer.singleShot(200, next_round)  # let the first paint of the opened campaign settle

    def finished() -> None:
        seconds.append(time.monotonic() - state["t_round"])
        # keep measuring for a second while the panels take in the last refresh, then go on
        QTimer.singleShot(1000, next_round if len(per_round) < args.rounds else done)

    def done() -> None:
        state["rows"] = window.candidates_panel.model.rowCount()
        app.quit()

    window.session.snapshot_ready.connect(opened)
    window.session.run_finished.connect(finished)
    window.session.error.connect(lambda title, message, details: print(title, message, details, file=sys.stderr))
    window.open_campaign(folder)
    app.exec()
    timer.stop()
    window.close()
    rounds = []
    for i, (lateness, secs) in enumerate(zip(per_round, seconds), start=1):
        ordered = sorted(lateness) or [0.0]
        rounds.append({
            "round": i,
            "round_seconds": round(secs, 2),
            "ticks": len(lateness),
            "longest_stall_ms": round(ordered[-1], 1),
            "p99_stall_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1),
            "median_lateness_ms": round(statistics.median(ordered), 2),
        })
    print(json.dumps({
        "prior": prior if not tiny else "tiny test prior",
        "batch_size": args.batch_size,
        "window_open_seconds": round(t_window, 2),
        "rows": state["rows"],
        "longest_stall_ms": max((r["longest_stall_ms"] for r in rounds), default=None),
        "rounds": rounds,
    }, indent=2))


if __name__ == "__main__":
    main()
