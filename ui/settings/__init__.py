"""The settings dialog: rep profile, country, calling rules, dialler, data location, sync."""
