"""`python -m desktop` runs the app, exactly like the `e2b-agent` console script."""

import sys

from desktop.app import main

sys.exit(main())
