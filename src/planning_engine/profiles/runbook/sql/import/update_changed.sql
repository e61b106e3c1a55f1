-- The chunk's changed movements updated in place (a draft is published unless --no-publish).
UPDATE movement_library l SET
    name = d.name, category = d.category, modalities = d.modalities, equipment = d.equipment,
    primary_muscles = d.primary_muscles, secondary_muscles = d.secondary_muscles,
    recommended_rpe = d.recommended_rpe, tags = d.tags, instructions = d.instructions,
    metadata = d.metadata, content_hash = d.content_hash, version = l.version + 1,
    updated_at = now(),
    status = CASE WHEN %(publish)s AND l.status = 'draft' THEN 'published' ELSE l.status END,
    published_at = CASE WHEN %(publish)s AND l.status = 'draft' THEN now() ELSE l.published_at END
FROM import_chunk d
WHERE d.movement_id = l.movement_id AND d.outcome = 'updated'
