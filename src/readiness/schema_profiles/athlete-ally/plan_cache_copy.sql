-- A plan-cache hit (DEPLOYED_API_ATHLETE_ALLY.md, D5): a job that stays queued while a plans row
-- is written for its user after it was picked up, carrying the scoring of an earlier plan.
SELECT p.id AS plan_id
FROM plan_jobs j
JOIN plans p ON p."userId" = j."userId"
  AND p."createdAt" >= coalesce(j."startedAt", j."createdAt")
WHERE j."jobId" = %s
  AND j.status IN ('pending', 'queued')
  AND (p.content->'scoring'->'metadata'->>'evaluatedAt')::timestamptz
      < coalesce(j."startedAt", j."createdAt") AT TIME ZONE 'UTC'
LIMIT 1;
