"""The bundle's entry point: the same `designer-app` as the installed command (no arguments: the window;
a subcommand: the CLI)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # oracle worker processes re-enter here in a frozen app
    from designer_app.cli import main

    sys.exit(main())
