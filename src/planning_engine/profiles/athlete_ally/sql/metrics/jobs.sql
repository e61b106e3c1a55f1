-- plan jobs by status (planning_plan_jobs; `pending` is labelled `queued` by the caller)
SELECT status, count(*) FROM plan_jobs GROUP BY status
