"""`python -m voicecoach` runs the command line."""

import sys

from voicecoach.cli.main import main

sys.exit(main())
