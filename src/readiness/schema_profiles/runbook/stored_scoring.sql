-- The scoring plan_jobs holds for one job, to compare with the API's response.
SELECT result_data->'scoring' AS scoring FROM plan_jobs WHERE job_id = %s;
