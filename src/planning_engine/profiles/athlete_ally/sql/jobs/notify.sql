-- Wakes the idle workers when the enqueueing transaction commits.
SELECT pg_notify('plan_jobs', %(job_id)s)
