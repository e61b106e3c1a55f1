-- Quoted from the runbook, verbatim.
SELECT 
  action,
  COUNT(*) as count
FROM movement_audit_log
GROUP BY action;
