-- Completed only while this worker still holds the lease (nothing returned otherwise).
UPDATE plan_jobs SET status = 'completed', progress = 100, result_data = %(result)s,
       completed_at = now(), lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE job_id = %(job_id)s AND lease_owner = %(owner)s AND status = 'processing'
RETURNING job_id
