-- The suite's own query: the scoring the job's stored plan carries (plans.content), which must
-- be the job's and the API's.
SELECT content->'scoring' AS scoring FROM plans WHERE job_id::text = %(job_id)s;
