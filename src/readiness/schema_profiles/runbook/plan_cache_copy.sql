-- The suite's own query: a plan written for a job that stays queued (a plan-cache hit). The
-- runbook's engine writes a plan only with its job's completion (plans.job_id), so never here.
SELECT NULL::text AS plan_id WHERE %s::text IS NULL;
