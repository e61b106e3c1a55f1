"""The suite's own queries, beside the runbook's (`runbook_sql`, quoted verbatim): what the
runbook asks in words ("requires permissions", "audit log entries match", "run the contract
validator against staging data") put to Postgres. All read-only, but for the rehearsal data
that only ever goes into a scratch database of the suite's own."""

# The schema's columns, to compare with what the engine and the runbook's queries need.
SCHEMA_COLUMNS = """SELECT table_name, column_name
FROM information_schema.columns
WHERE table_schema = current_schema();"""

TABLE_EXISTS = "SELECT to_regclass(%s)::text;"

# Prerequisites: "Requires permissions: CREATE, INSERT, UPDATE, DELETE, SELECT", asked of
# Postgres without using any of them. A missing table is NULL here: Phase 1 reports it.
PERMISSIONS = """SELECT t AS table_name, p AS privilege,
  CASE WHEN to_regclass(t) IS NULL THEN NULL
       ELSE has_table_privilege(current_user, t, p) END AS granted
FROM unnest(ARRAY['movement_library', 'movement_staging', 'movement_audit_log', 'plan_jobs']) AS t,
     unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p
UNION ALL
SELECT current_schema(), 'CREATE', has_schema_privilege(current_user, current_schema(), 'CREATE');"""

# Audit rows whose movement is not in the library ("audit log entries match imports").
ORPHAN_AUDIT_ROWS = """SELECT DISTINCT a.movement_id
FROM movement_audit_log a
LEFT JOIN movement_library l ON l.movement_id = a.movement_id
WHERE l.movement_id IS NULL;"""

# The scoring plan_jobs holds for one job, to compare with the API's response.
STORED_SCORING = "SELECT result_data->'scoring' AS scoring FROM plan_jobs WHERE job_id = %s;"

# The payloads behind the runbook's RECENT_SCORING, for the contract validator
# ("Run contract validator against staging data").
RECENT_SCORING_PAYLOADS = """SELECT job_id, result_data->'scoring' AS scoring
FROM plan_jobs
WHERE status = 'completed'
  AND created_at > NOW() - INTERVAL '1 hour'
  AND result_data ? 'scoring'
ORDER BY created_at DESC
LIMIT 10;"""

# A movement made by hand, as a troubleshooting rehearsal's conflicting data (scratch databases
# only): its id and name.
INSERT_HAND_MADE_MOVEMENT = """INSERT INTO movement_library
  (movement_id, name, category, recommended_rpe, content_hash, status)
VALUES (%s, %s, 'strength', 8, 'hand-made', 'published');"""
