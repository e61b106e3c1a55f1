-- The plans table's columns. The score oracle finds the plan a job produced through
-- plans.job_id and reads plans.content; a staging without them gives no way to recompute.
SELECT column_name
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = 'plans';
