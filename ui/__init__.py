"""calldesk's PySide6 desktop interface. Talks to the core only through its public functions."""
