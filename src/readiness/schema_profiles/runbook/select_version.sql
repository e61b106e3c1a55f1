-- Quoted from the runbook, verbatim.
SELECT version();
