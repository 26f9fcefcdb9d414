"""The sync screen: targets, deliveries, running the sync."""
