-- Step 2 (submit): the draft is ready for review.
UPDATE movement_staging SET status = 'READY_FOR_REVIEW', "updatedById" = %(actor)s,
    "updatedAt" = (now() AT TIME ZONE 'UTC'),
    "reviewerId" = NULL, "reviewedAt" = NULL, "reviewNotes" = NULL
WHERE id = %(id)s
