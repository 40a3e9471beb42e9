"""`python -m bot` is the same program as `mentorbot`."""

import sys

from bot.cli import main

sys.exit(main())
