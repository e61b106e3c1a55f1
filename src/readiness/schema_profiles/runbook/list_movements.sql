-- Quoted from the runbook, verbatim.
SELECT 
  movement_id,
  name,
  category,
  modalities,
  status
FROM movement_library
ORDER BY name;
