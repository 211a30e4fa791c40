"""The Campaign panel: configuration summary, run controls, progress with phase text and ETA.

Events update the progress tracker at once (plain arithmetic) but the widgets only at the next tick of
the window's update timer (updates.py), with the latest progress.

While a round awaits lab scores, Continue keeps the all-or-nothing rule (the round waits for every
score) and "Continue with the scored ones" runs the engine once with `allow_partial`, as the CLI's
`run --allow-partial`: labs often return a plate in parts, and the campaign should not idle meanwhile.

"Roll back round…" only asks the window (rollback_requested) to open its dialog: the rollback itself
writes the store and must never run under the engine, so it is enabled by the session's one rule
(`can_roll_back`), the same one the Campaign menu's action follows.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from designer_app import events as ev
from designer_app.config import CampaignConfig
from designer_app.core.methods import get_method
from designer_app.core.records import DONE
from designer_app.gui.progress import ProgressTracker, format_eta
from designer_app.gui.session import CampaignSession
from designer_app.gui.snapshot import Snapshot
from designer_app.gui.updates import UpdateScheduler


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.4g}"


def summary_html(cfg: CampaignConfig, snap: Snapshot | None) -> str:
    """The configuration and where the campaign stands, as a small table."""
    rows = [
        ("Campaign", cfg.name),
        ("Domain", cfg.domain),
        ("Prior", cfg.prior or "(default for the domain)"),
        ("Oracle", cfg.oracle),
        ("Method", cfg.method),
        (
            "Budget",
            f"{cfg.rounds} rounds × {cfg.batch_size} ({cfg.batch_schedule}) = {cfg.budget} oracle calls"
            + ("; repeats replaced by new designs" if cfg.top_up else "; repeats are not measured again"),
        ),
        (
            "α (KL) / β (bonus)",
            f"{cfg.alpha:g} / {cfg.beta:g}"
            + ("; the last batch exploits the mean" if cfg.exploit_last and get_method(cfg.method).optimistic else ""),
        ),
        ("Batch choice", selection_text(cfg, snap)),
        ("Seed", str(cfg.seed)),
    ]
    if snap is not None:
        done = sum(1 for r in snap.rounds if r.status == DONE)
        rows += [
            ("State", snap.state.replace("_", " ")),
            ("Rounds done", f"{done} of {len(cfg.batch_sizes())}"),
            ("Oracle calls", f"{snap.oracle_calls} of {cfg.budget}"),
            ("Best so far", _fmt(snap.best)),
        ]
        if snap.optimum is not None and snap.best is not None:
            rows.append(("Simple regret", _fmt(snap.optimum - snap.best)))
        rankings = snap.batch_rankings()
        if rankings:
            rows.append(("Reward model ranking", ranking_text(rankings)))
    cells = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def selection_text(cfg: CampaignConfig, snap: Snapshot | None) -> str:
    """How the campaign's rounds choose their batches, and what the latest pool held:
    "from a pool of 10 × the batch, by the acquisition on the item model, diversity 0.5; round 3: 1,250 drawn,
    1,231 new"."""
    method = get_method(cfg.method)
    if not method.selects or cfg.selection.pool <= 1:
        return "the batch is sampled as drawn" if not method.screen else "random items of the library"
    model = "the fingerprint/sequence GP" if cfg.selection.model == "items" else "the latent reward model"
    text = f"from a pool of {cfg.selection.pool} × the batch, by the acquisition on {model}"
    text += f", diversity {cfg.selection.diversity:g}"
    pooled = [r for r in (snap.rounds if snap else []) if "pool_size" in r.metrics]
    if pooled:
        last = pooled[-1].metrics
        text += f"; round {pooled[-1].index}: {last['pool_size']:,} drawn, {last.get('pool_new', 0):,} new"
    return text


def ranking_text(rankings: list[tuple[int, float]]) -> str:
    """How well the reward model ranked each new batch before it was measured, latest first:
    "Spearman 0.42 on round 3's batch (round 2: 0.31)"."""
    (last_round, last), earlier = rankings[-1], rankings[:-1]
    text = f"Spearman {last:.2f} on round {last_round}'s batch, before it was measured"
    if earlier:
        text += " (" + ", ".join(f"round {i}: {v:.2f}" for i, v in reversed(earlier)) + ")"
    return text


ROLLBACK_TEXT = "Roll back round…"
ROLLBACK_TIP = (
    "Discard a round's fine-tuned model and its unscored proposals (the latest round by default; later "
    "rounds go with it) and propose it again.\nEvery measurement is kept. Asks before doing anything."
)
PARTIAL_TEXT = "Continue with the scored ones"
PARTIAL_TIP = (
    "Go on now with the candidates of the waiting round that have a score (or a failed measurement): "
    "fit the reward model on them, fine-tune and start the next round.\n"
    "The unscored candidates stay pending; their scores count when they arrive (type, paste or import "
    "them any time).\nNeeds at least one score in the round. Continue instead waits for all of them."
)


class CampaignPanel(QWidget):
    """Summary, Start/Continue, Continue with the scored ones, Pause/Resume, Stop, Run one round, and
    the progress bar; Roll back round… asks the window to open its dialog.

    Signals:
        rollback_requested(): the user pressed Roll back round….
    """

    rollback_requested = Signal()

    def __init__(
        self, session: CampaignSession, updates: UpdateScheduler | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.updates = updates
        self.tracker: ProgressTracker | None = None
        self.summary = QLabel("No campaign open. File ▸ New campaign… or File ▸ Open…")
        self.summary.setWordWrap(True)
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.step_button = QPushButton("Run one round")
        self.start_button.setToolTip("Run until the budget is spent or lab scores are needed")
        self.stop_button.setToolTip("Stop at the next safe point (within a second); Start resumes")
        self.step_button.setToolTip("Finish the current round, or run one new round")
        self.partial_button = QPushButton(PARTIAL_TEXT)
        self.partial_button.setToolTip(PARTIAL_TIP)
        self.rollback_button = QPushButton(ROLLBACK_TEXT)
        self.rollback_button.setToolTip(ROLLBACK_TIP)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.phase = QLabel("")
        self.eta = QLabel("")
        buttons = QGridLayout()
        buttons.addWidget(self.start_button, 0, 0)
        buttons.addWidget(self.pause_button, 0, 1)
        buttons.addWidget(self.stop_button, 1, 0)
        buttons.addWidget(self.step_button, 1, 1)
        buttons.addWidget(self.partial_button, 2, 0, 1, 2)
        buttons.addWidget(self.rollback_button, 3, 0, 1, 2)
        status = QHBoxLayout()
        status.addWidget(self.phase, 1)
        status.addWidget(self.eta)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addLayout(status)
        layout.addStretch(1)
        self.start_button.clicked.connect(self.start_run)
        self.pause_button.clicked.connect(self._toggle_pause)
        self.stop_button.clicked.connect(self._stop)
        self.step_button.clicked.connect(self.run_one_round)
        self.partial_button.clicked.connect(self.continue_partial)
        self.rollback_button.clicked.connect(self.rollback_requested)
        session.opened.connect(lambda cfg: self._show_summary())
        session.closed.connect(self._on_closed)
        session.snapshot_ready.connect(self._on_snapshot)
        session.engine_event.connect(self._on_event)
        session.running_changed.connect(lambda running: self._update_buttons())
        session.paused_changed.connect(self._on_paused)
        self._update_buttons()

    # ---- controls ------------------------------------------------------------------------------
    def start_run(self) -> None:
        """Start (or continue) the campaign until it finishes or needs lab scores."""
        self._begin(None)
        self.session.start()

    def continue_partial(self) -> None:
        """Go on past the awaiting round with the scores that are in (`allow_partial`, this run only);
        the run then goes on like Continue, until the next round needs lab scores."""
        snap = self.session.snapshot
        if snap is None or snap.scored_in_awaiting() == 0:
            return  # the engine would only wait again; the button is disabled in this state anyway
        self._begin(None)
        self.session.start(allow_partial=True)

    def run_one_round(self) -> None:
        """Finish the unfinished round, or run one new round."""
        snap = self.session.snapshot
        unfinished = snap is not None and snap.unfinished_round() is not None
        self._begin(0 if unfinished else 1)
        self.session.run_one_round()

    def _begin(self, max_rounds: int | None) -> None:
        snap, cfg = self.session.snapshot, self.session.config
        if cfg is None:
            return
        n = len(cfg.batch_sizes())
        done = sum(1 for r in snap.rounds if r.status == DONE) if snap else 0
        goal = None if max_rounds is None else done + max(1, max_rounds)
        self.tracker = ProgressTracker(n, done, goal)
        self.phase.setText("starting… (the first run loads the model)")
        self.eta.clear()

    def _stop(self) -> None:
        self.session.stop()
        self.phase.setText("stopping at the next safe point…")
        self.eta.clear()

    def _toggle_pause(self) -> None:
        if self.session.is_paused:
            self.session.resume()
        else:
            self.session.pause()
            self.phase.setText("pausing at the next step…")

    def _on_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        if paused:
            self.phase.setText("paused")
            self.eta.clear()

    def _update_buttons(self) -> None:
        is_open, running = self.session.is_open, self.session.is_running
        snap = self.session.snapshot
        finished = snap is not None and snap.state == "finished"
        self.start_button.setEnabled(is_open and not running and not finished)
        self.step_button.setEnabled(is_open and not running and not finished)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        awaiting = snap is not None and snap.state == "awaiting_scores"
        self.start_button.setText("Continue" if awaiting or (snap is not None and snap.rounds) else "Start")
        self.partial_button.setVisible(awaiting)
        self.partial_button.setEnabled(is_open and not running and awaiting and snap.scored_in_awaiting() > 0)
        self.rollback_button.setEnabled(self.session.can_roll_back)
        if not running:
            self.pause_button.setText("Pause")

    # ---- updates -------------------------------------------------------------------------------
    def _show_summary(self) -> None:
        if self.session.config is not None:
            self.summary.setText(summary_html(self.session.config, self.session.snapshot))
        self._update_buttons()

    def _on_snapshot(self, snap: Snapshot) -> None:
        if self.updates is not None:
            self.updates.request("campaign-summary", lambda: self._apply_snapshot(snap))
        else:
            self._apply_snapshot(snap)

    def _apply_snapshot(self, snap: Snapshot) -> None:
        if snap is not self.session.snapshot:
            return  # the campaign was closed or reloaded meanwhile
        self._show_summary()
        if not self.session.is_running:
            done = sum(1 for r in snap.rounds if r.status == DONE)
            self.progress.setValue(int(1000 * done / max(1, len(snap.config.batch_sizes()))))
            if snap.state == "awaiting_scores":
                self.phase.setText(f"Round {snap.awaiting_round.index} waits for lab scores")
            elif snap.state == "finished":
                self.phase.setText("Campaign finished")

    def _on_event(self, event: ev.Event) -> None:
        if self.tracker is None or isinstance(event, ev.LogMessage):
            return
        self.tracker.update(event)
        if self.updates is not None:
            self.updates.request("campaign-progress", self._show_progress)
        else:
            self._show_progress()

    def _show_progress(self) -> None:
        if self.tracker is None:
            return
        p = self.tracker.current
        self.progress.setValue(int(1000 * p.fraction))
        self.phase.setText(p.text)
        self.eta.setText(format_eta(p.eta_seconds))

    def _on_closed(self) -> None:
        self.summary.setText("No campaign open.")
        self.progress.setValue(0)
        self.phase.clear()
        self.eta.clear()
        self.tracker = None
        self._update_buttons()
