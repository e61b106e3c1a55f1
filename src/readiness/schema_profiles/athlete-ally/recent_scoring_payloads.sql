-- The payloads behind the runbook's scoring query, for the contract validator.
SELECT "jobId" AS job_id, "resultData"->'scoring' AS scoring
FROM plan_jobs
WHERE status = 'completed'
  AND "createdAt" > NOW() - INTERVAL '1 hour'
  AND "createdAt" >= to_timestamp(%s) AT TIME ZONE 'UTC'  -- since the deploy
  AND "resultData" ? 'scoring'
ORDER BY "createdAt" DESC
LIMIT 10;
