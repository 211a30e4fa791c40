"""Entry point of the desktop app: `designer-app` with no subcommand, or `python -m designer_app.gui.app`.

Only Qt and the light parts of the package load here, so the window appears quickly; torch and RDKit
load on a worker thread right after it is shown (gui/warmup.py), so the first round does not pay for them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from designer_app.gui.display_check import display_problem
from designer_app.gui.warmup import Warmup
from designer_app.resource_files import icon_path
from designer_app.store import campaign_dir

WARMUP_DELAY_MS = 300


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="designer-app", description="Designer: SEIKO design campaigns (desktop app).")
    p.add_argument("--home", help="data folder (default: DESIGNER_APP_HOME or the user data folder)")
    p.add_argument("campaign", nargs="?", help="a campaign name or folder to open at start")
    return p


def campaign_folder(spec: str, home: str | Path | None) -> Path:
    """A campaign given as a folder path or as a name in the data home."""
    path = Path(spec).expanduser()
    return path if (path / "campaign.db").exists() else campaign_dir(spec, home)


def app_icon() -> QIcon:
    """The application icon in every shipped size (the window, the task bar, the dock)."""
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        path = icon_path(size)
        if path.exists():
            icon.addFile(str(path))
    return icon


def main(argv: list[str] | None = None, home: str | Path | None = None) -> int:
    """Open the main window and run the event loop; returns the exit code."""
    args, qt_args = build_parser().parse_known_args(sys.argv[1:] if argv is None else argv)
    home = args.home or home
    problem = None if QApplication.instance() else display_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from designer_app.gui.main_window import MainWindow  # after argument errors, before the window

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setOrganizationName("designer-app")
    app.setApplicationName("Designer")
    app.setWindowIcon(app_icon())
    window = MainWindow(home=home)
    window.show()
    if args.campaign:
        window.open_campaign(campaign_folder(args.campaign, home))
    # Load torch & co. now, while nothing runs, not at the first Start (see warmup.py); after the
    # first paint so the window is on screen before the one-time pause.
    warm = Warmup()  # no parent: it must outlive the window for the wait below
    QTimer.singleShot(WARMUP_DELAY_MS, warm.start)
    code = app.exec()
    warm.wait()  # a window closed within seconds of opening: let the imports finish before exiting
    # The engine stopped before the window closed; wait for short snapshot/depiction jobs so no
    # worker emits into destroyed objects during interpreter shutdown.
    QThreadPool.globalInstance().waitForDone(5000)
    return code


if __name__ == "__main__":
    sys.exit(main())
