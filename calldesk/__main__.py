"""``python -m calldesk``: the same as the ``calldesk`` command."""

import sys

from calldesk.cli.main import main

sys.exit(main())
