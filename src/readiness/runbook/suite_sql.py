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

# The plans table's columns. The score oracle finds the plan a job produced through
# plans.job_id and reads plans.content; a staging without them gives no way to recompute.
PLANS_COLUMNS = """SELECT column_name
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = 'plans';"""

# Everything recomputing the stored scores needs, in one query: the jobs of the runbook's
# scoring query (completed in the last hour, newest first; up to the cap given, not its 10),
# plus the suite's own test plan whatever its age, each with the request it answered, its stored
# scoring and the plan stored for it. The plan is read only where there is scoring to check;
# plan_found tells a job without a plans row from one without scoring.
RECENT_SCORED_PLANS = """WITH listed AS (
  (SELECT job_id
   FROM plan_jobs
   WHERE status = 'completed'
     AND created_at > NOW() - INTERVAL '1 hour'
   ORDER BY created_at DESC
   LIMIT %s)
  UNION
  SELECT job_id FROM plan_jobs WHERE job_id = %s AND status = 'completed'
)
SELECT j.job_id,
  j.request_data,
  j.result_data->'scoring' AS scoring,
  CASE WHEN jsonb_typeof(j.result_data->'scoring') <> 'null' THEN p.content END AS plan,
  p.job_id IS NOT NULL AS plan_found
FROM listed
JOIN plan_jobs j ON j.job_id = listed.job_id
LEFT JOIN plans p ON p.job_id = j.job_id
ORDER BY j.created_at DESC;"""

# Who holds an exclusive lock on a table of this database, when a query of the suite could not
# get its lock in time (runbook: "a query blocked by a lock names the blocker").
EXCLUSIVE_LOCK_HOLDERS = """SELECT a.pid, a.application_name, a.state,
  extract(epoch FROM now() - coalesce(a.xact_start, a.query_start, now()))::float AS seconds,
  l.mode, l.relation::regclass::text AS relation, left(a.query, 80) AS query
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.granted AND l.locktype = 'relation' AND l.database = (
    SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.mode IN ('AccessExclusiveLock', 'ExclusiveLock')
  AND l.pid <> pg_backend_pid()
ORDER BY seconds DESC;"""

# The plan queue as the database shows it, to explain test plans that missed their deadline.
QUEUE_STATE = """SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
  count(*) FILTER (WHERE status = 'processing') AS processing,
  count(*) FILTER (WHERE status = 'processing' AND lease_expires_at < now()) AS past_lease,
  extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'queued'))::float
    AS oldest_queued_s,
  extract(epoch FROM now() - min(updated_at) FILTER (WHERE status = 'processing'))::float
    AS oldest_processing_s
FROM plan_jobs
WHERE status IN ('queued', 'processing');"""
