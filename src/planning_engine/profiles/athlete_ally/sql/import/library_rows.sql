-- The library rows of these slugs, with the columns a movement is compared on.
SELECT id, version, "name", "slug", "classification", "equipment", "primaryMuscles",
       "secondaryMuscles", "recommendedRpe", "tags", "instructions", "metadata"
FROM movement_library
WHERE slug = ANY(%(slugs)s)
