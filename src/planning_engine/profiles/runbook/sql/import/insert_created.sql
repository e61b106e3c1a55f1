-- The chunk's new movements into the library, published unless --no-publish.
INSERT INTO movement_library (movement_id, name, category, modalities, equipment,
    primary_muscles, secondary_muscles, recommended_rpe, tags, instructions, metadata, status,
    content_hash, published_at)
SELECT movement_id, name, category, modalities, equipment, primary_muscles, secondary_muscles,
       recommended_rpe, tags, instructions, metadata, CASE WHEN %(publish)s THEN 'published' ELSE 'draft' END,
       content_hash, CASE WHEN %(publish)s THEN now() END
FROM import_chunk WHERE outcome = 'created'
ORDER BY record_index
