import sys

from designer_app.cli import main

sys.exit(main())
