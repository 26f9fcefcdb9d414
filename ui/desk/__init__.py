"""The calling desk: the screen a rep lives in for hours (lead card, script, dispositions)."""
