"""The command line: one ``cmd_*.py`` module per command or command group."""
