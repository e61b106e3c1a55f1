-- The scoring of the plan a job produced: found by the job's planId, or (when its result
-- was not stored) by the job named in the plan's description.
SELECT p.content->'scoring'
FROM plan_jobs j JOIN plans p
  ON p.id = j."resultData"->>'planId' OR p.description = 'plan job ' || j."jobId"
WHERE j."jobId" = %(job_id)s
LIMIT 1
