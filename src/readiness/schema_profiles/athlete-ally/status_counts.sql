-- The runbook's Phase 4 status counts in this schema: the library has no status (every row is
-- published); the drafts in movement_staging carry it, upper case, and a published movement's
-- draft is PUBLISHED. Shown lower case, as the runbook names the statuses.
SELECT lower(status::text) AS status,
  COUNT(*) AS count
FROM movement_staging
GROUP BY status;
