-- The runbook's Phase 2 listing in this schema: slug for movement_id, classification for
-- category, equipment for modalities (the schema has none). The library has no status column:
-- every row of it is a published movement, which the listing states.
SELECT slug AS movement_id,
  name,
  classification AS category,
  equipment,
  'published' AS status
FROM movement_library
ORDER BY name;
