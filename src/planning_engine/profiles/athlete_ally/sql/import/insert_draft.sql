-- Step 1 (draft) of a new movement: a DRAFT row in movement_staging.
INSERT INTO movement_staging (id, "name", "slug", "classification", "equipment",
                              "primaryMuscles", "secondaryMuscles", "recommendedRpe", "tags",
                              "instructions", "metadata", status, "createdById", "updatedById",
                              "createdAt", "updatedAt")
VALUES (%(id)s, %(name)s, %(slug)s, %(classification)s, %(equipment)s::text[],
        %(primaryMuscles)s::text[], %(secondaryMuscles)s::text[], %(recommendedRpe)s,
        %(tags)s::text[], %(instructions)s::jsonb, %(metadata)s::jsonb, 'DRAFT',
        %(actor)s, %(actor)s, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'))
