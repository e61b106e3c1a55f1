-- The scoring the job's stored plan carries: the plan its planId names where it has one, else
-- the earliest plan of its user whose scoring was evaluated at the job's scoring's instant (the
-- link recent_scored_plans uses). None found: plans.content does not hold the job's scoring.
(SELECT p.content->'scoring' AS scoring
 FROM plan_jobs j
 JOIN plans p ON p.id = j."resultData"->>'planId'
 WHERE j."jobId" = %(job_id)s)
UNION ALL
(SELECT p.content->'scoring'
 FROM plan_jobs j
 JOIN plans p ON p."userId" = j."userId"
   AND p.content->'scoring'->'metadata'->>'evaluatedAt'
       = j."resultData"->'scoring'->'metadata'->>'evaluatedAt'
 WHERE j."jobId" = %(job_id)s
   AND j."resultData"->>'planId' IS NULL
 ORDER BY p."createdAt", p.id
 LIMIT 1);
