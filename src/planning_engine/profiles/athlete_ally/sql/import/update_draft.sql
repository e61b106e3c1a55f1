-- Step 1 (draft) of a changed movement: its draft updated and back to DRAFT.
UPDATE movement_staging SET
    "name" = %(name)s, "slug" = %(slug)s, "classification" = %(classification)s,
    "equipment" = %(equipment)s::text[], "primaryMuscles" = %(primaryMuscles)s::text[],
    "secondaryMuscles" = %(secondaryMuscles)s::text[], "recommendedRpe" = %(recommendedRpe)s,
    "tags" = %(tags)s::text[], "instructions" = %(instructions)s::jsonb,
    "metadata" = %(metadata)s::jsonb,
    status = 'DRAFT', "updatedById" = %(actor)s, "updatedAt" = (now() AT TIME ZONE 'UTC'),
    "reviewerId" = NULL, "reviewedAt" = NULL, "reviewNotes" = NULL
WHERE id = %(id)s
