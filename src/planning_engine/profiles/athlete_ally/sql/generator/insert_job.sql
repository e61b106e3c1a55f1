-- The job row the service's consumer writes when it picks a generation event up: already
-- started, created and updated a few milliseconds later, as that service's rows are.
INSERT INTO plan_jobs (id, "jobId", "userId", status, progress, "requestData", "startedAt",
                       "retryCount", "maxRetries", "createdAt", "updatedAt")
VALUES (%(id)s, %(job_id)s, %(user_id)s, 'queued', 0, %(event)s, (now() AT TIME ZONE 'UTC'), 0, 3,
        (now() AT TIME ZONE 'UTC') + interval '3 milliseconds',
        (now() AT TIME ZONE 'UTC') + interval '3 milliseconds')
ON CONFLICT ("jobId") DO NOTHING
