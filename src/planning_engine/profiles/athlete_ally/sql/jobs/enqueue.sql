-- A new pending job; a repeated Idempotency-Key (the same "jobId") inserts nothing.
INSERT INTO plan_jobs (id, "jobId", "userId", status, progress, "requestData", "retryCount",
                       "maxRetries", "createdAt", "updatedAt")
VALUES (%(id)s, %(job_id)s, %(user_id)s, 'pending', 0, %(request)s, 0, 3,
        (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'))
ON CONFLICT ("jobId") DO NOTHING
RETURNING "jobId" AS job_id, "userId" AS user_id, status, progress,
       "requestData" AS request_data, "resultData" AS result_data, "errorData" AS error_data,
       "createdAt" AT TIME ZONE 'UTC' AS created_at, "startedAt" AT TIME ZONE 'UTC' AS started_at,
       "completedAt" AT TIME ZONE 'UTC' AS completed_at, "retryCount" AS retry_count,
       "maxRetries" AS max_retries
