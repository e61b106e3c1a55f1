-- How many jobs, anyone's, changed in the last %(seconds)s seconds ("updatedAt" is the only
-- column that service updates as a job moves; timestamps are UTC without a zone).
SELECT count(*) AS moved
FROM plan_jobs
WHERE "updatedAt" > (now() AT TIME ZONE 'UTC') - make_interval(secs => %(seconds)s);
