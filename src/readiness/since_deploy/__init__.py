"""The deploy as the reference point: when the release went live, the target's own plan jobs
before and after it, and whether errors or latency rose with it."""
