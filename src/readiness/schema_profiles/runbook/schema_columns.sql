-- The schema's columns, to compare with what the engine and the runbook's queries need.
SELECT table_name, column_name
FROM information_schema.columns
WHERE table_schema = current_schema();
