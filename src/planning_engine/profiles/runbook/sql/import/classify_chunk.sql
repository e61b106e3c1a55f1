-- One chunk of the batch compared with the library, with the library columns of its payloads.
SELECT r.movement_id, r.name, r.category, r.modalities, r.equipment, r.primary_muscles,
       r.secondary_muscles, r.recommended_rpe, r.tags, r.instructions, r.metadata,
       s.content_hash, s.record_index,
       CASE WHEN l.movement_id IS NULL THEN 'created'
            WHEN l.content_hash <> s.content_hash THEN 'updated'
            WHEN %(publish)s AND l.status = 'draft' THEN 'published'
            ELSE 'unchanged' END AS outcome,
       l.status = 'draft' AS was_draft
FROM movement_staging s
CROSS JOIN LATERAL jsonb_populate_record(NULL::movement_library, s.payload) AS r
LEFT JOIN movement_library l ON l.movement_id = s.movement_id
WHERE s.batch_id = %(batch)s AND s.record_index BETWEEN %(first)s AND %(last)s
