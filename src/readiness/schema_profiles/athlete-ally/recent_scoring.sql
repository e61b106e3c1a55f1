-- The runbook's Phase 4 scoring query in this schema (DEPLOYED_SCHEMA_ATHLETE_ALLY.md), its job
-- id named as the runbook's.
SELECT "jobId" AS job_id,
  status,
  "resultData"->>'scoring' IS NOT NULL AS has_scoring,
  "resultData"->'scoring'->>'version' AS scoring_version,
  ("resultData"->'scoring'->>'total')::float AS total_score
FROM plan_jobs
WHERE status = 'completed'
  AND "createdAt" > NOW() - INTERVAL '1 hour'
ORDER BY "createdAt" DESC
LIMIT 10;
