-- library movements by status (planning_movements)
SELECT status, count(*) FROM movement_library GROUP BY status
