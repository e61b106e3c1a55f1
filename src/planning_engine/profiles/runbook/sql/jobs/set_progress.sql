UPDATE plan_jobs SET progress = %(progress)s, updated_at = now()
WHERE job_id = %(job_id)s AND lease_owner = %(owner)s
