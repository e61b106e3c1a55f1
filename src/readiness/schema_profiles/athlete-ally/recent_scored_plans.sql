-- Everything recomputing the stored scores needs, in one query (see the runbook profile's).
-- Nothing in this schema links a plan to its job but the planId a deployment may write into
-- "resultData"; plan_found is false for a scored job without one.
WITH listed AS (
  (SELECT "jobId"
   FROM plan_jobs
   WHERE status = 'completed'
     AND "createdAt" > NOW() - INTERVAL '1 hour'
   ORDER BY "createdAt" DESC
   LIMIT %s)
  UNION
  SELECT "jobId" FROM plan_jobs WHERE "jobId" = %s AND status = 'completed'
)
SELECT j."jobId" AS job_id,
  j."requestData" AS request_data,
  j."resultData"->'scoring' AS scoring,
  CASE WHEN jsonb_typeof(j."resultData"->'scoring') <> 'null' THEN p.content END AS plan,
  p.id IS NOT NULL AS plan_found
FROM listed
JOIN plan_jobs j ON j."jobId" = listed."jobId"
LEFT JOIN plans p ON p.id = j."resultData"->>'planId'
ORDER BY j."createdAt" DESC;
