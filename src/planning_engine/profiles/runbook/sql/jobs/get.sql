SELECT job_id, user_id, status, progress, request_data, result_data, error_data, created_at,
       started_at, completed_at, retry_count, max_retries
FROM plan_jobs WHERE job_id = %(job_id)s
