"""Lists and campaigns: the lists browser, campaign set-up and the do-not-call list."""
