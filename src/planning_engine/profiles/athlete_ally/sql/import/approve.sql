-- Step 3 (approve): the actor reviews and approves the draft.
UPDATE movement_staging SET status = 'APPROVED', "updatedById" = %(actor)s,
    "updatedAt" = (now() AT TIME ZONE 'UTC'),
    "reviewerId" = %(actor)s, "reviewedAt" = (now() AT TIME ZONE 'UTC')
WHERE id = %(id)s
