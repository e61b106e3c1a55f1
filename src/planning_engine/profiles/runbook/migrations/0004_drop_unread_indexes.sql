-- Indexes that no query reads, dropped: each cost an index entry per imported row (a third of a
-- 100,000-movement import's index writes) and gave nothing back.
--   movement_staging_batch_idx: (batch_id) is the leading column of the UNIQUE
--     (batch_id, record_index) index, which serves every lookup by batch.
--   movement_audit_log_action_idx: five distinct actions; the runbook's audit query counts
--     them all (GROUP BY action), a whole-table read either way.
--   movement_library_status_idx, movement_library_category_idx: a handful of values each; the
--     library is read whole (status counts, duplicate names) or in movement_id order (the
--     planner's published movements), which the primary key serves.
-- The audit log keeps its index on movement_id (a movement's history) and on event_id (unique:
-- restoring a seed dump skips the events already there).

DROP INDEX IF EXISTS movement_staging_batch_idx;
DROP INDEX IF EXISTS movement_audit_log_action_idx;
DROP INDEX IF EXISTS movement_library_status_idx;
DROP INDEX IF EXISTS movement_library_category_idx;
