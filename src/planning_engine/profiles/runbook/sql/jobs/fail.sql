UPDATE plan_jobs SET status = 'failed', error_data = %(error)s, completed_at = now(),
       lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE job_id = %(job_id)s AND lease_owner = %(owner)s
