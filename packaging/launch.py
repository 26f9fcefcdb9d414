"""Entry point of the frozen bundle: ``calldesk`` with no arguments opens the desk."""

import sys

from calldesk.cli.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["desk"]))
