"""The import wizard: a list or an event's contacts from a CSV or XLSX file."""
