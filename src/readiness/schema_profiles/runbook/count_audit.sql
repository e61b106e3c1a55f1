-- Quoted from the runbook, verbatim.
SELECT COUNT(*) FROM movement_audit_log;
