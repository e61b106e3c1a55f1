-- The oldest pending job, now processing.
-- "updatedAt" is the lease: each write makes it strictly later, even within one millisecond.
UPDATE plan_jobs SET status = 'processing', progress = 10,
       "startedAt" = coalesce("startedAt", (now() AT TIME ZONE 'UTC')),
       "updatedAt" = greatest((now() AT TIME ZONE 'UTC'), "updatedAt" + interval '1 millisecond')
WHERE id = (
    SELECT id FROM plan_jobs WHERE status = 'pending'
    ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED
)
RETURNING id, "jobId", "userId", "requestData", "retryCount", "updatedAt"
