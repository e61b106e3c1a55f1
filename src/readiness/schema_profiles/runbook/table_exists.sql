-- The suite's own query.
SELECT to_regclass(%s)::text;
