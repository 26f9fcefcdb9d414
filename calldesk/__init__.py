"""calldesk: a desktop call desk for inside qualification reps (the core, no Qt)."""

__version__ = "0.1.0"
APP_NAME = "calldesk"
