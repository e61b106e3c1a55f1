-- Step 4 (publish) of a changed movement: its library row updated in place, version + 1.
UPDATE movement_library SET
    "name" = %(name)s, "slug" = %(slug)s, "classification" = %(classification)s,
    "equipment" = %(equipment)s::text[], "primaryMuscles" = %(primaryMuscles)s::text[],
    "secondaryMuscles" = %(secondaryMuscles)s::text[], "recommendedRpe" = %(recommendedRpe)s,
    "tags" = %(tags)s::text[], "instructions" = %(instructions)s::jsonb,
    "metadata" = %(metadata)s::jsonb,
    version = version + 1, "stagingSourceId" = %(id)s, "stagingSnapshot" = %(snapshot)s,
    "publishedById" = %(actor)s, "publishedAt" = (now() AT TIME ZONE 'UTC'),
    "updatedAt" = (now() AT TIME ZONE 'UTC')
WHERE id = %(library_id)s
