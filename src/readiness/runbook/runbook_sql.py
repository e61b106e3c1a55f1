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
