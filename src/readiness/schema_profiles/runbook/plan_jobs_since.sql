-- Plan jobs created since a time (epoch seconds): the windows before and since the deploy.
-- Newest first, at most 20,000: a busy staging's oldest baseline jobs are left out, which
-- rates and latency quantiles do not mind. Latency is created to completed; scoring is read
-- for the score distribution.
SELECT job_id::text AS job_id,
  extract(epoch FROM created_at)::float AS created_s,
  status,
  extract(epoch FROM completed_at - created_at)::float AS latency_s,
  result_data->'scoring' AS scoring
FROM plan_jobs
WHERE created_at >= to_timestamp(%s)
ORDER BY created_at DESC
LIMIT 20000;
