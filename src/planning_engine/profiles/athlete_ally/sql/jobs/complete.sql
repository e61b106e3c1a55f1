-- Completed, only while the worker still holds the job (its "updatedAt" unchanged).
UPDATE plan_jobs SET status = 'completed', progress = 100, "resultData" = %(result)s,
       "completedAt" = (now() AT TIME ZONE 'UTC'),
       "updatedAt" = greatest((now() AT TIME ZONE 'UTC'), "updatedAt" + interval '1 millisecond')
WHERE id = %(id)s AND status = 'processing' AND "updatedAt" = %(token)s
RETURNING "updatedAt"
