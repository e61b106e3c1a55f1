"""The runbook's SQL, verbatim from STAGING_DEPLOYMENT_READINESS.md.

Kept character for character (comments with expectations dropped) so that what the suite
runs is exactly what an operator would paste into psql; tests execute each one against the
engine's schema.
"""

SELECT_VERSION = "SELECT version();"

COUNT_MOVEMENTS = "SELECT COUNT(*) FROM movement_library;"

LIST_MOVEMENTS = """SELECT 
  movement_id,
  name,
  category,
  modalities,
  status
FROM movement_library
ORDER BY name;"""

COUNT_AUDIT = "SELECT COUNT(*) FROM movement_audit_log;"

TRUNCATE_MOVEMENTS = "TRUNCATE movement_library, movement_staging, movement_audit_log CASCADE;"

STATUS_COUNTS = """SELECT 
  status,
  COUNT(*) as count
FROM movement_library
GROUP BY status;"""

DUPLICATE_NAMES = """SELECT name, COUNT(*) 
FROM movement_library 
GROUP BY name 
HAVING COUNT(*) > 1;"""

AUDIT_ACTIONS = """SELECT 
  action,
  COUNT(*) as count
FROM movement_audit_log
GROUP BY action;"""

RECENT_SCORING = """SELECT 
  job_id,
  status,
  result_data->>'scoring' IS NOT NULL as has_scoring,
  result_data->'scoring'->>'version' as scoring_version,
  (result_data->'scoring'->>'total')::float as total_score
FROM plan_jobs
WHERE status = 'completed'
  AND created_at > NOW() - INTERVAL '1 hour'
ORDER BY created_at DESC
LIMIT 10;"""

ROLLBACK_SCORING_CHECK = """SELECT 
  result_data->>'scoring' IS NOT NULL as has_scoring
FROM plan_jobs
WHERE created_at > NOW() - INTERVAL '5 minutes';"""

SELECT_ONE = "SELECT 1;"

# Not the runbook's own SQL: the Prerequisites' "Requires permissions: CREATE, INSERT, UPDATE,
# DELETE, SELECT", asked of Postgres without using any of them. A missing table is NULL here:
# Phase 1 reports it.
PERMISSIONS = """SELECT t AS table_name, p AS privilege,
  CASE WHEN to_regclass(t) IS NULL THEN NULL
       ELSE has_table_privilege(current_user, t, p) END AS granted
FROM unnest(ARRAY['movement_library', 'movement_staging', 'movement_audit_log', 'plan_jobs']) AS t,
     unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p
UNION ALL
SELECT current_schema(), 'CREATE', has_schema_privilege(current_user, current_schema(), 'CREATE');"""

# Not the runbook's own SQL: the payloads behind RECENT_SCORING, for the contract validator
# ("Run contract validator against staging data").
RECENT_SCORING_PAYLOADS = """SELECT job_id, result_data->'scoring' AS scoring
FROM plan_jobs
WHERE status = 'completed'
  AND created_at > NOW() - INTERVAL '1 hour'
  AND result_data ? 'scoring'
ORDER BY created_at DESC
LIMIT 10;"""

# The queries of Phase 2 and Phase 4 that are read-only, by the name the report shows.
VALIDATION_QUERIES: dict[str, str] = {
    "movement count": COUNT_MOVEMENTS,
    "movement listing": LIST_MOVEMENTS,
    "audit log size": COUNT_AUDIT,
    "status counts": STATUS_COUNTS,
    "duplicate names": DUPLICATE_NAMES,
    "audit actions": AUDIT_ACTIONS,
    "recent scoring": RECENT_SCORING,
}
