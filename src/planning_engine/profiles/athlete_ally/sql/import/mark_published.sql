-- Step 4 (publish): the draft is PUBLISHED and names its library row.
UPDATE movement_staging SET status = 'PUBLISHED', "publishedMovementId" = %(library_id)s,
    "updatedById" = %(actor)s, "updatedAt" = (now() AT TIME ZONE 'UTC')
WHERE id = %(id)s
