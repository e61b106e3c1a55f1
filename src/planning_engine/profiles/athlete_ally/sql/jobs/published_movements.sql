-- Every library row is a published movement; named as the planner knows them.
SELECT slug AS movement_id, name, classification AS category,
       coalesce("recommendedRpe", 7) AS recommended_rpe
FROM movement_library ORDER BY slug
