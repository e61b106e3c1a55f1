-- Quoted from the runbook, verbatim.
SELECT 
  status,
  COUNT(*) as count
FROM movement_library
GROUP BY status;
