-- Step 4 (publish) of a new movement: its library row, version 1, with the draft's snapshot.
INSERT INTO movement_library (id, "name", "slug", "classification", "equipment",
                              "primaryMuscles", "secondaryMuscles", "recommendedRpe", "tags",
                              "instructions", "metadata", version, "stagingSourceId",
                              "stagingSnapshot", "publishedById", "publishedAt",
                              "createdAt", "updatedAt")
VALUES (%(library_id)s, %(name)s, %(slug)s, %(classification)s, %(equipment)s::text[],
        %(primaryMuscles)s::text[], %(secondaryMuscles)s::text[], %(recommendedRpe)s,
        %(tags)s::text[], %(instructions)s::jsonb, %(metadata)s::jsonb, 1, %(id)s,
        %(snapshot)s, %(actor)s, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'),
        (now() AT TIME ZONE 'UTC'))
