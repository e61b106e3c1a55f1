-- Everything recomputing the stored scores needs, in one query: the jobs of the runbook's
-- scoring query (completed in the last hour, newest first; up to the cap given, not its 10),
-- plus the suite's own test plans (the ids given) whatever their age, each with the request it answered, its stored
-- scoring and the plan stored for it. The plan is read only where there is scoring to check;
-- plan_found tells a job without a plans row from one without scoring.
WITH listed AS (
  (SELECT job_id
   FROM plan_jobs
   WHERE status = 'completed'
     AND created_at > NOW() - INTERVAL '1 hour'
     AND created_at >= to_timestamp(%s)  -- since the deploy
   ORDER BY created_at DESC
   LIMIT %s)
  UNION
  SELECT job_id FROM plan_jobs WHERE job_id::text = ANY(%s) AND status = 'completed'
)
SELECT j.job_id,
  j.request_data,
  j.result_data->'scoring' AS scoring,
  CASE WHEN jsonb_typeof(j.result_data->'scoring') <> 'null' THEN p.content END AS plan,
  p.job_id IS NOT NULL AS plan_found,
  NULL::text AS link_problem
FROM listed
JOIN plan_jobs j ON j.job_id = listed.job_id
LEFT JOIN plans p ON p.job_id = j.job_id
ORDER BY j.created_at DESC;
