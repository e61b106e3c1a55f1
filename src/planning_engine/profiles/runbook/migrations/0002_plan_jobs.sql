-- Plan generation jobs (a Postgres queue) and the plans they produce.

CREATE TABLE plan_jobs (
    job_id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id           text NOT NULL,
    status            text NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'processing', 'completed', 'failed')),
    progress          integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    request_data      jsonb NOT NULL,
    result_data       jsonb,
    error_data        jsonb,
    idempotency_key   text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    completed_at      timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    retry_count       integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    max_retries       integer NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
    lease_owner       text,
    lease_expires_at  timestamptz
);
-- The runbook's queries filter on status and recency; the queue claims the oldest queued job.
CREATE INDEX plan_jobs_status_created_idx ON plan_jobs (status, created_at DESC);
CREATE INDEX plan_jobs_created_idx ON plan_jobs (created_at DESC);
CREATE INDEX plan_jobs_queued_idx ON plan_jobs (created_at) WHERE status = 'queued';
CREATE INDEX plan_jobs_lease_idx ON plan_jobs (lease_expires_at) WHERE status = 'processing';
CREATE UNIQUE INDEX plan_jobs_idempotency_idx ON plan_jobs (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE plans (
    plan_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    job_id      uuid NOT NULL UNIQUE REFERENCES plan_jobs (job_id) ON DELETE CASCADE,
    user_id     text NOT NULL,
    content     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Wake idle workers the moment a job is queued.
CREATE FUNCTION plan_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('plan_jobs', NEW.job_id::text);
    RETURN NEW;
END;
$$;
CREATE TRIGGER plan_jobs_notify_insert AFTER INSERT ON plan_jobs
    FOR EACH ROW EXECUTE FUNCTION plan_jobs_notify();
