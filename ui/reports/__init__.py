"""The reports screen: funnel, scorecards, list return, best hours, trend, forgotten follow-ups."""
