-- One job, by the id the API returned.
SELECT "jobId" AS job_id, "userId" AS user_id, status, progress,
       "requestData" AS request_data, "resultData" AS result_data, "errorData" AS error_data,
       "createdAt" AT TIME ZONE 'UTC' AS created_at, "startedAt" AT TIME ZONE 'UTC' AS started_at,
       "completedAt" AT TIME ZONE 'UTC' AS completed_at, "retryCount" AS retry_count,
       "maxRetries" AS max_retries
FROM plan_jobs WHERE "jobId" = %(job_id)s
