-- Prerequisites: "Requires permissions: CREATE, INSERT, UPDATE, DELETE, SELECT", asked of
-- Postgres without using any of them. A missing table is NULL here: Phase 1 reports it.
SELECT t AS table_name, p AS privilege,
  CASE WHEN to_regclass(t) IS NULL THEN NULL
       ELSE has_table_privilege(current_user, t, p) END AS granted
FROM unnest(ARRAY['movement_library', 'movement_staging', 'movement_audit_log', 'plan_jobs']) AS t,
     unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p
UNION ALL
SELECT current_schema(), 'CREATE', has_schema_privilege(current_user, current_schema(), 'CREATE');
