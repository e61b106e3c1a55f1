-- Which of these enum types the current schema has.
SELECT t.typname FROM pg_type t
WHERE t.typname = ANY(%(types)s) AND t.typnamespace = current_schema()::regnamespace
