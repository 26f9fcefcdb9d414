"""The manager's Rules screen."""
