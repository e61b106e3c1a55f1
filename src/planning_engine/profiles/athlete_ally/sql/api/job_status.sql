-- A job as the service's status route reads it: its own column names, UTC timestamps.
SELECT "jobId", "userId", status, progress, "resultData", "errorData", "createdAt",
       "startedAt", "completedAt", "retryCount", "maxRetries"
FROM plan_jobs WHERE "jobId" = %(job_id)s
