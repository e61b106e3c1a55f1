-- A job's status and progress as the generation moves on (no lease: one consumer per job).
UPDATE plan_jobs SET status = %(status)s, progress = %(progress)s,
       "updatedAt" = (now() AT TIME ZONE 'UTC')
WHERE "jobId" = %(job_id)s
