-- What the planner chooses from.
SELECT movement_id, name, category, recommended_rpe FROM movement_library
WHERE status = 'published' ORDER BY movement_id
