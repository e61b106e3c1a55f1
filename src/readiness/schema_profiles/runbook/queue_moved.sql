-- The suite's own query: how many jobs, anyone's, were picked up or finished in the last
-- %(seconds)s seconds. A queue that serves others is busy, not stuck, though the run's jobs wait.
SELECT count(*) AS moved
FROM plan_jobs
WHERE started_at > now() - make_interval(secs => %(seconds)s)
   OR completed_at > now() - make_interval(secs => %(seconds)s);
