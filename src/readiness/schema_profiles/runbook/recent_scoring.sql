-- Quoted from the runbook, verbatim.
SELECT 
  job_id,
  status,
  result_data->>'scoring' IS NOT NULL as has_scoring,
  result_data->'scoring'->>'version' as scoring_version,
  (result_data->'scoring'->>'total')::float as total_score
FROM plan_jobs
WHERE status = 'completed'
  AND created_at > NOW() - INTERVAL '1 hour'
ORDER BY created_at DESC
LIMIT 10;
