-- Does the database answer at all (no table needed).
SELECT 1;
