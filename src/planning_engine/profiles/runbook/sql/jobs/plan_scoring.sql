-- The scoring block stored with a job's plan (what the API returns as the job's scoring).
SELECT content->'scoring' FROM plans WHERE job_id = %(job_id)s
