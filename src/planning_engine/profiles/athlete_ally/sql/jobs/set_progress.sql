-- Progress, only while the worker still holds the job.
UPDATE plan_jobs SET progress = %(progress)s,
       "updatedAt" = greatest((now() AT TIME ZONE 'UTC'), "updatedAt" + interval '1 millisecond')
WHERE id = %(id)s AND status = 'processing' AND "updatedAt" = %(token)s
RETURNING "updatedAt"
