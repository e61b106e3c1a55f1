-- A movement made by hand, as a troubleshooting rehearsal's conflicting data (scratch databases
-- only): its slug and name. Ids and "updatedAt" are the application's to set.
INSERT INTO movement_library
  (id, slug, name, classification, "recommendedRpe", "publishedById", "updatedAt")
VALUES ('hand-made-' || md5(random()::text), %s, %s, 'strength', 8, 'hand-made', now());
