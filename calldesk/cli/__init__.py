"""The command line: one ``cmd_*.py`` module per command or command group.

``COMMANDS`` names each top-level command, the module that registers it and its one-line help,
so ``calldesk --help`` lists every command and ``calldesk queue next`` imports only
``cmd_queue`` (start-up stays fast: no SQLAlchemy, polars or openpyxl for ``--version``). A
``cmd_*.py`` module missing from the table still works: it is imported on every run, and
tests/test_cli_startup.py says to add it here.
"""

#: command name -> (module in calldesk.cli, help), in the order ``--help`` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "appointments": (
        "cmd_appointments",
        "meetings booked for field reps: review and outcomes",
    ),
    "call": ("cmd_call", "record calls"),
    "campaign": ("cmd_campaign", "campaigns: lists, rules, priority"),
    "dnc": ("cmd_dnc", "the do-not-call list"),
    "events": ("cmd_events", "events (trade shows, webinars) and their cost"),
    "export": ("cmd_export", "export graded leads (never DNC contacts) to CSV or XLSX"),
    "import": ("cmd_import", "import a call list or event follow-up file"),
    "leads": ("cmd_leads", "look up contacts"),
    "lists": ("cmd_lists", "imported call lists and what they cost"),
    "queue": ("cmd_queue", "the call queue: next contact, claims, figures"),
    "rep": ("cmd_rep", "the people who use the desk"),
    "report": ("cmd_report", "reports: funnel, scorecards, list return, ..."),
    "rules": ("cmd_rules", "calling rules: explain, review, packs"),
    "script": ("cmd_script", "qualification scripts: check, import, list and show"),
    "version": ("cmd_store", "print calldesk's version"),
    "init": ("cmd_store", "create or upgrade the store and show its state"),
    "demo": ("cmd_store", "fill the store with a realistic demo"),
    "desk": ("cmd_store", "open the desktop window"),
    "sync": ("cmd_sync", "send graded leads and appointments to the targets"),
}
