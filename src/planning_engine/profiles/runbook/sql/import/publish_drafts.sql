-- The chunk's unchanged drafts published.
UPDATE movement_library l SET status = 'published', published_at = now(), updated_at = now()
FROM import_chunk d WHERE d.movement_id = l.movement_id AND d.outcome = 'published'
