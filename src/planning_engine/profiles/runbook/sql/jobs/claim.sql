-- The oldest queued job, to one worker: row lock (SKIP LOCKED) and a lease that expires.
UPDATE plan_jobs SET status = 'processing', progress = 10, lease_owner = %(owner)s,
       lease_expires_at = now() + make_interval(secs => %(lease)s),
       started_at = coalesce(started_at, now()), updated_at = now()
WHERE job_id = (
    SELECT job_id FROM plan_jobs WHERE status = 'queued'
    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED
)
RETURNING job_id, user_id, request_data, retry_count, max_retries
