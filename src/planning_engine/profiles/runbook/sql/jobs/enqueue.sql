-- A new job; nothing when this user already sent this Idempotency-Key (see by_idempotency_key).
INSERT INTO plan_jobs (user_id, request_data, idempotency_key)
VALUES (%(user)s, %(request)s, %(key)s)
ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING job_id, user_id, status, progress, request_data, result_data, error_data, created_at,
          started_at, completed_at, retry_count, max_retries
