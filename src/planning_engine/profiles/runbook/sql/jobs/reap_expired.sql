-- Jobs whose lease ran out go back to the queue, or fail once their retries are used up.
UPDATE plan_jobs SET
    status = CASE WHEN retry_count >= max_retries THEN 'failed' ELSE 'queued' END,
    retry_count = CASE WHEN retry_count >= max_retries THEN retry_count ELSE retry_count + 1 END,
    error_data = CASE WHEN retry_count >= max_retries THEN jsonb_build_object(
        'error', 'worker lost', 'message',
        'the worker processing this job stopped and ' || max_retries || ' retries are used up')
        ELSE error_data END,
    completed_at = CASE WHEN retry_count >= max_retries THEN now() END,
    progress = CASE WHEN retry_count >= max_retries THEN progress ELSE 0 END,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE status = 'processing' AND lease_expires_at < now()
RETURNING job_id, status
