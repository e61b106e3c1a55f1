-- The drafts of these slugs, with the columns a movement is compared on.
SELECT id, status::text AS status, "name", "slug", "classification", "equipment",
       "primaryMuscles", "secondaryMuscles", "recommendedRpe", "tags", "instructions", "metadata"
FROM movement_staging
WHERE slug = ANY(%(slugs)s)
