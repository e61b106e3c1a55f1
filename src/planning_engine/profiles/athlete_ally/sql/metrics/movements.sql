-- library movements (planning_movements{status="published"}): every library row is published
SELECT count(*) FROM movement_library
