-- Names the batch would take from other library movements (the whole batch, for the report).
SELECT s.record_index, s.movement_id, s.payload->>'name', l.movement_id
FROM movement_staging s
JOIN movement_library l ON l.name = s.payload->>'name' AND l.movement_id <> s.movement_id
WHERE s.batch_id = %(batch)s
ORDER BY s.record_index
LIMIT %(limit)s
