-- Quoted from the runbook, verbatim.
TRUNCATE movement_library, movement_staging, movement_audit_log CASCADE;
