-- Whether the chunk would take a name from another library movement.
SELECT 1 FROM import_chunk d
JOIN movement_library l ON l.name = d.name AND l.movement_id <> d.movement_id LIMIT 1
