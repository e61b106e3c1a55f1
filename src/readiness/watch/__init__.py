"""`stream5-readiness watch`: the runbook's 1-hour, 24-hour and 1-week lines as rounds of the
read-only monitoring checks, with the three suggested alerts, a history and a trend page."""
