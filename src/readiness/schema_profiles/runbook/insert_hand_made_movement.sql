-- A movement made by hand, as a troubleshooting rehearsal's conflicting data (scratch databases
-- only): its id and name.
INSERT INTO movement_library
  (movement_id, name, category, recommended_rpe, content_hash, status)
VALUES (%s, %s, 'strength', 8, 'hand-made', 'published');
