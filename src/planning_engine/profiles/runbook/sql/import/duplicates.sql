-- The records that repeat an earlier record's id or name, with the earlier one.
CREATE TEMP TABLE import_duplicates ON COMMIT DROP AS
SELECT d.record_index, s.movement_id, d.kind, d.first_index, s.payload->>'name' AS name
FROM (
    SELECT record_index, 'movement_id' AS kind, first_index FROM (
        SELECT record_index,
               min(record_index) OVER (PARTITION BY movement_id) AS first_index
        FROM movement_staging WHERE batch_id = %(batch)s AND %(ids)s) i
    WHERE record_index > first_index
    UNION ALL
    SELECT record_index, 'name', first_index FROM (
        SELECT record_index, min(record_index) OVER (PARTITION BY name_key) AS first_index
        FROM import_names WHERE %(names)s) n
    WHERE record_index > first_index
) d
JOIN movement_staging s ON s.batch_id = %(batch)s AND s.record_index = d.record_index
