"""Take sequence-campaign.png from the real main window while a DNA campaign fine-tunes.

    xvfb-run -a -s "-screen 0 1600x1000x24" python docs/screenshots/take_sequence_screenshot.py

Uses the shipped `dna-8mer` prior and the exact `tfbind8:SIX6_REF_R1` landscape, 4 rounds of 64;
the picture is taken while round 3 fine-tunes, with the best-scoring 8-mers at the top of the table.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from designer_app import campaigns
    from designer_app import events as ev
    from designer_app.config import CampaignConfig
    from designer_app.gui.candidates_model import SCORE
    from designer_app.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    work = Path(tempfile.mkdtemp(prefix="screens-"))
    home = work / "home"
    folder = campaigns.create(
        CampaignConfig(name="tfbind-six6", domain="dna", oracle="tfbind8:SIX6_REF_R1", rounds=4, batch_size=64), home
    )
    window = MainWindow(home=home, settings=QSettings(str(work / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1560, 960)
    window.show()
    taken: list[str] = []

    def on_event(e):
        if isinstance(e, ev.FinetuneProgress) and e.round == 3 and e.step == 12 and not taken:
            taken.append("mid")
            panel = window.candidates_panel
            panel.table.sortByColumn(SCORE, Qt.SortOrder.DescendingOrder)
            panel.table.selectRow(0)
            QTimer.singleShot(1500, shoot)

    def shoot():
        window.grab().save(str(HERE / "sequence-campaign.png"))
        print("wrote", HERE / "sequence-campaign.png")
        window.session.stop()

    window.session.run_finished.connect(lambda: QTimer.singleShot(500, window.close) if taken else None)
    window.open_campaign(folder)
    window.session.engine_event.connect(on_event)
    QTimer.singleShot(1000, window.campaign_panel.start_run)
    app.exec()


if __name__ == "__main__":
    main()
