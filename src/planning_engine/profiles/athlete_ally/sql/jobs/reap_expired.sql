-- Jobs nobody has touched for a lease go back to pending, or fail once retries are used up.
UPDATE plan_jobs SET
    status = CASE WHEN "retryCount" >= "maxRetries" THEN 'failed' ELSE 'pending' END,
    "retryCount" = CASE WHEN "retryCount" >= "maxRetries" THEN "retryCount"
                        ELSE "retryCount" + 1 END,
    "errorData" = CASE WHEN "retryCount" >= "maxRetries" THEN jsonb_build_object(
        'error', 'worker lost', 'message',
        'the worker processing this job stopped and ' || "maxRetries" || ' retries are used up')
        ELSE "errorData" END,
    "completedAt" = CASE WHEN "retryCount" >= "maxRetries" THEN (now() AT TIME ZONE 'UTC') END,
    progress = CASE WHEN "retryCount" >= "maxRetries" THEN progress ELSE 0 END,
    "updatedAt" = greatest((now() AT TIME ZONE 'UTC'), "updatedAt" + interval '1 millisecond')
WHERE status = 'processing'
  AND "updatedAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => %(lease)s)
RETURNING "jobId", status
