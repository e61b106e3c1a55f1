-- Audit rows whose movement is not in the library ("audit log entries match imports").
SELECT DISTINCT a.movement_id
FROM movement_audit_log a
LEFT JOIN movement_library l ON l.movement_id = a.movement_id
WHERE l.movement_id IS NULL;
