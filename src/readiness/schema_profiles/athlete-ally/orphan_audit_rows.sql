-- Audit rows about a library row or a draft that does not exist ("audit log entries match
-- imports"), by the id they name; deleting the row sets the audit row's reference to NULL, so
-- a row about nothing is one too.
SELECT DISTINCT coalesce(a."movementLibraryId", a."movementStagingId", 'audit row ' || a.id)
  AS movement_id
FROM movement_audit_log a
LEFT JOIN movement_library l ON l.id = a."movementLibraryId"
LEFT JOIN movement_staging s ON s.id = a."movementStagingId"
WHERE (a."movementLibraryId" IS NOT NULL AND l.id IS NULL)
   OR (a."movementStagingId" IS NOT NULL AND s.id IS NULL)
   OR (a."movementLibraryId" IS NULL AND a."movementStagingId" IS NULL);
