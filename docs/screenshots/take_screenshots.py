"""Take the screenshots in this folder from the real main window, mid-campaign.

    xvfb-run -a -s "-screen 0 1600x1000x24" python docs/screenshots/take_screenshots.py [PRIOR_FOLDER]

Runs under a real X server (Xvfb) with Qt's xcb platform. Without PRIOR_FOLDER it uses the shipped
default prior, or the test suite's tiny random prior when none is shipped (its molecules are not
drug-like; the point is the window). Writes molecule-campaign.png, lab-scores.png and wizard.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def main() -> None:
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from designer_app import campaigns
    from designer_app import events as ev
    from designer_app.config import CampaignConfig, FinetuneConfig, RewardConfig
    from designer_app.gui.candidates_model import SCORE
    from designer_app.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    work = Path(tempfile.mkdtemp(prefix="screens-"))
    prior = sys.argv[1] if len(sys.argv) > 1 else None
    extra: dict = {}
    if prior is None:
        from designer_app.models.priors import DEFAULT_PRIORS, shipped_models_dir

        if (shipped_models_dir() / DEFAULT_PRIORS["molecules"] / "config.json").exists():
            prior = DEFAULT_PRIORS["molecules"]
        else:
            sys.path.insert(0, str(ROOT / "tests"))
            from conftest import build_tiny_prior

            prior = str(build_tiny_prior(work / "tiny-prior"))
            extra = dict(sample_steps=6, reward=RewardConfig(epochs=40, n_heads=3, hidden=8),
                         finetune=FinetuneConfig(steps=25, batch_size=8, grad_steps=2))
    home = work / "home"
    qed = campaigns.create(CampaignConfig(name="qed-demo", prior=prior, oracle="qed", rounds=4, batch_size=48, **extra), home)
    lab = campaigns.create(CampaignConfig(name="lab-demo", prior=prior, oracle="manual", rounds=3, batch_size=24, **extra), home)
    window = MainWindow(home=home, settings=QSettings(str(work / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1560, 960)
    window.show()
    steps: list = []

    def later(ms, fn):
        QTimer.singleShot(ms, fn)

    def shot(widget, name):
        widget.grab().save(str(HERE / name))
        print("wrote", HERE / name)

    # 1. a QED campaign, photographed while round 3 fine-tunes
    def on_event(e):
        if isinstance(e, ev.FinetuneProgress) and e.round == 3 and e.step == 12 and "mid" not in steps:
            steps.append("mid")
            panel = window.candidates_panel
            panel.table.sortByColumn(SCORE, Qt.SortOrder.DescendingOrder)
            panel.table.selectRow(0)
            later(1500, lambda: (shot(window, "molecule-campaign.png"), window.session.stop()))

    def start_qed():
        window.session.engine_event.connect(on_event)
        window.campaign_panel.start_run()

    def after_run():
        if "mid" in steps and "lab" not in steps:
            steps.append("lab")
            window.session.engine_event.disconnect(on_event)
            window.open_campaign(lab)
            later(800, window.campaign_panel.start_run)
        elif "lab" in steps and "typed" not in steps:
            steps.append("typed")
            later(1500, type_scores)  # after the snapshot of the awaiting round has arrived

    def type_scores():
        panel = window.candidates_panel
        panel.status_filter.setCurrentIndex(panel.status_filter.findData("pending"))
        panel.table.setCurrentIndex(panel.proxy.index(0, SCORE))
        panel.paste_scores("0.82\n0.47\nfailed\n0.65\n")
        panel.status_filter.setCurrentIndex(0)
        panel.table.selectRow(0)
        later(2500, lambda: (shot(window, "lab-scores.png"), wizard()))

    def wizard():
        wiz = window.new_campaign()
        wiz.next()
        if Path(prior).is_dir():
            wiz.prior_page.folder_edit.setText(prior)
            wiz.prior_page.folder.setChecked(True)
        wiz.next()
        later(800, lambda: (shot(wiz, "wizard.png"), wiz.reject(), window.close()))

    window.session.run_finished.connect(after_run)
    window.open_campaign(qed)
    later(1000, start_qed)
    app.exec()


if __name__ == "__main__":
    main()
