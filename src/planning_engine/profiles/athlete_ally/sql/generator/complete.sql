-- The job completed, with its result; committed with the plan it produced.
UPDATE plan_jobs SET status = 'completed', progress = 100, "resultData" = %(result)s,
       "updatedAt" = (now() AT TIME ZONE 'UTC')
WHERE "jobId" = %(job_id)s
