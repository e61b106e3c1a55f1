-- The engine's own ledger of import attempts (not part of the athlete-ally schema): one row per
-- run, successful or not, so /metrics can count failed imports. A database whose athlete-ally
-- tables were created by something else has no such table; the engine then records nothing.

CREATE TABLE movement_import_runs (
    run_id      bigserial PRIMARY KEY,
    actor       text NOT NULL,
    source      text NOT NULL,
    succeeded   boolean NOT NULL,
    summary     jsonb,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX movement_import_runs_failed_idx ON movement_import_runs (created_at) WHERE NOT succeeded;
