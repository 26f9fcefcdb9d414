"""Entry point of the frozen bundle.

With no arguments (a double-click, the desktop entry) it opens the desk on the user's store,
asking on the first run whether to start with the demo or an empty store. With arguments it is
the ``calldesk`` command line (``calldesk --version``, ``calldesk --db x.sqlite3 demo``).
"""

import sys


def main() -> int:
    # Finder on older macOS passes a process serial number (-psn_0_12345): not an argument.
    args = [arg for arg in sys.argv[1:] if not arg.startswith("-psn_")]
    if args:
        from calldesk.cli.main import main as cli

        return cli(args)
    from ui.app import launch

    return launch()


if __name__ == "__main__":
    sys.exit(main())
