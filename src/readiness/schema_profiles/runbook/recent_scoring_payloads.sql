-- The payloads behind the runbook's RECENT_SCORING, for the contract validator
-- ("Run contract validator against staging data").
SELECT job_id, result_data->'scoring' AS scoring
FROM plan_jobs
WHERE status = 'completed'
  AND created_at > NOW() - INTERVAL '1 hour'
  AND created_at >= to_timestamp(%s)  -- since the deploy
  AND result_data ? 'scoring'
ORDER BY created_at DESC
LIMIT 10;
