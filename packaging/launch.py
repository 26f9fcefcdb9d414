"""Entry point of the frozen bundle.

With no arguments (a double-click, the desktop entry) it opens the desk on the user's store,
asking on the first run whether to start with the demo or an empty store. With arguments it is
the ``calldesk`` command line (``calldesk --version``, ``calldesk --db x.sqlite3 demo``).
"""

import sys


def main() -> int:
    if len(sys.argv) > 1:
        from calldesk.cli.main import main as cli

        return cli(sys.argv[1:])
    from ui.app import launch

    return launch()


if __name__ == "__main__":
    sys.exit(main())
