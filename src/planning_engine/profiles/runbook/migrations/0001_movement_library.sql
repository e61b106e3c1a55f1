-- Movement library, the staging area of imports and the audit trail of every action taken.

CREATE TABLE movement_library (
    movement_id        text PRIMARY KEY CHECK (movement_id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name               text NOT NULL,
    category           text NOT NULL,
    modalities         text[] NOT NULL DEFAULT '{}',
    status             text NOT NULL DEFAULT 'draft'
                       CHECK (status IN ('draft', 'published', 'archived')),
    equipment          text[] NOT NULL DEFAULT '{}',
    primary_muscles    text[] NOT NULL DEFAULT '{}',
    secondary_muscles  text[] NOT NULL DEFAULT '{}',
    recommended_rpe    numeric(3, 1) NOT NULL CHECK (recommended_rpe BETWEEN 1 AND 10),
    tags               text[] NOT NULL DEFAULT '{}',
    instructions       jsonb NOT NULL DEFAULT '{}',
    metadata           jsonb NOT NULL DEFAULT '{}',
    version            integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    content_hash       text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    published_at       timestamptz,
    CONSTRAINT movement_library_name_key UNIQUE (name)
);
CREATE INDEX movement_library_status_idx ON movement_library (status);
CREATE INDEX movement_library_category_idx ON movement_library (category);

CREATE TABLE movement_staging (
    staging_id         bigserial PRIMARY KEY,
    batch_id           uuid NOT NULL,
    record_index       integer NOT NULL,
    movement_id        text,
    payload            jsonb NOT NULL,
    content_hash       text,
    validation_status  text NOT NULL DEFAULT 'pending'
                       CHECK (validation_status IN ('pending', 'valid', 'invalid')),
    validation_errors  jsonb NOT NULL DEFAULT '[]',
    received_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (batch_id, record_index)
);
CREATE INDEX movement_staging_batch_idx ON movement_staging (batch_id);

CREATE TABLE movement_audit_log (
    audit_id     bigserial PRIMARY KEY,
    event_id     uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    movement_id  text NOT NULL,
    action       text NOT NULL
                 CHECK (action IN ('imported', 'published', 'updated', 'archived', 'restored')),
    actor        text NOT NULL,
    batch_id     uuid,
    details      jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX movement_audit_log_action_idx ON movement_audit_log (action);
CREATE INDEX movement_audit_log_movement_idx ON movement_audit_log (movement_id);
