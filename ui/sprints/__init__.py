"""The event sprint board."""
