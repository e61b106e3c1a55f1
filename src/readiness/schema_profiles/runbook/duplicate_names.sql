-- Quoted from the runbook, verbatim.
SELECT name, COUNT(*) 
FROM movement_library 
GROUP BY name 
HAVING COUNT(*) > 1;
