-- The runbook's Phase 4 audit actions in this schema: the seeding pipeline writes CREATED about
-- the draft (the runbook's "imported"), REVIEW_SUBMITTED, APPROVED, PUBLISHED (its
-- "published") and CREATED about the library row; the two CREATED are told apart here.
SELECT CASE
    WHEN action = 'CREATED' AND "movementStagingId" IS NOT NULL THEN 'CREATED (draft)'
    WHEN action = 'CREATED' THEN 'CREATED (library)'
    ELSE action::text
  END AS action,
  COUNT(*) AS count
FROM movement_audit_log
GROUP BY 1;
