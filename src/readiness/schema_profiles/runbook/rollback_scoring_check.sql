-- Quoted from the runbook, verbatim.
SELECT 
  result_data->>'scoring' IS NOT NULL as has_scoring
FROM plan_jobs
WHERE created_at > NOW() - INTERVAL '5 minutes';
