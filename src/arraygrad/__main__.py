"""``python -m arraygrad`` runs the ``arraygrad`` command."""

import sys

from arraygrad.cli import main

sys.exit(main())
