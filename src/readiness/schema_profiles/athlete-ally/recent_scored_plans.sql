-- Everything recomputing the stored scores needs, in one query (see the runbook profile's).
-- A job's plan is the plans row its "resultData".planId names, where a deployment writes one.
-- Otherwise it is the earliest plans row of the job's user carrying the job's scoring (the same
-- evaluatedAt and total): the athlete-ally service writes one scoring object to both, and a
-- plan-cache hit copies a plan, scoring included, only after the original. link_problem says
-- why a job's plan is not known for sure (the suite never guesses).
WITH listed AS (
  (SELECT "jobId"
   FROM plan_jobs
   WHERE status = 'completed'
     AND "createdAt" > NOW() - INTERVAL '1 hour'
     AND "createdAt" >= to_timestamp(%s) AT TIME ZONE 'UTC'  -- since the deploy
   ORDER BY "createdAt" DESC
   LIMIT %s)
  UNION
  SELECT "jobId" FROM plan_jobs WHERE "jobId" = ANY(%s) AND status = 'completed'
),
jobs AS (
  SELECT j."jobId", j."userId", j."requestData", j."createdAt",
    j."resultData"->'scoring' AS scoring,
    j."resultData"->>'planId' AS plan_id,
    count(*) OVER (
      PARTITION BY j."userId", j."resultData"->'scoring'->'metadata'->>'evaluatedAt'
    ) AS sharing
  FROM listed
  JOIN plan_jobs j ON j."jobId" = listed."jobId"
)
SELECT j."jobId" AS job_id,
  j."requestData" AS request_data,
  j.scoring,
  CASE WHEN jsonb_typeof(j.scoring) <> 'null' THEN p.content END AS plan,
  p.id IS NOT NULL AS plan_found,
  CASE
    WHEN j.plan_id IS NULL AND j.sharing > 1
      THEN format('%%s jobs of user %%s carry scoring evaluated at the same instant',
                  j.sharing, j."userId")
    WHEN p.ties > 1
      THEN format('%%s plans of user %%s carry its scoring, written at the same instant',
                  p.ties, j."userId")
  END AS link_problem
FROM jobs j
LEFT JOIN LATERAL (
  SELECT named.id, named.content, 1::bigint AS ties FROM plans named WHERE named.id = j.plan_id
  UNION ALL
  SELECT * FROM (
    SELECT same.id, same.content, count(*) OVER (PARTITION BY same."createdAt") AS ties
    FROM plans same
    WHERE j.plan_id IS NULL
      AND same."userId" = j."userId"
      AND same.content->'scoring'->'metadata'->>'evaluatedAt'
          = j.scoring->'metadata'->>'evaluatedAt'
      AND same.content->'scoring'->'total' = j.scoring->'total'
    ORDER BY same."createdAt", same.id
    LIMIT 1
  ) earliest
) p ON true
ORDER BY j."createdAt" DESC;
