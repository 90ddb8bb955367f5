"""Run the data command line: ``python -m data_access --help``."""

import sys

from data_access.cli import main

sys.exit(main())
