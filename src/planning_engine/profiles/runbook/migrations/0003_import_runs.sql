-- A ledger of import attempts: one row per run, successful or not. Failed runs write nothing
-- to the library, staging or audit tables; this row is how /metrics counts import failures.

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
