-- The scoring plan_jobs holds for one job, to compare with the API's response.
SELECT "resultData"->'scoring' AS scoring FROM plan_jobs WHERE "jobId" = %s;
