-- Plan jobs created since a time (epoch seconds), in this schema (UTC timestamps without a
-- zone), newest first and at most 20,000 (see the runbook profile's). The service never sets
-- "completedAt": a job's latency runs to its last update.
SELECT "jobId"::text AS job_id,
  extract(epoch FROM "createdAt" AT TIME ZONE 'UTC')::float AS created_s,
  status,
  extract(epoch FROM coalesce("completedAt", "updatedAt") - "createdAt")::float AS latency_s,
  "resultData"->'scoring' AS scoring
FROM plan_jobs
WHERE "createdAt" >= to_timestamp(%s) AT TIME ZONE 'UTC'
ORDER BY "createdAt" DESC
LIMIT 20000;
