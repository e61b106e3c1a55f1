-- plan jobs by status (planning_plan_jobs)
SELECT status, count(*) FROM plan_jobs GROUP BY status
