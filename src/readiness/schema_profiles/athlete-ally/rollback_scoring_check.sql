-- The runbook's scoring rollback check in this schema.
SELECT "resultData"->>'scoring' IS NOT NULL AS has_scoring
FROM plan_jobs
WHERE "createdAt" > NOW() - INTERVAL '5 minutes';
