-- QpActors schema 0002 (PostgreSQL 15): the project's own tables.
-- Timestamps are timestamptz (UTC, microsecond precision). Payloads are json, which
-- checks the text is JSON but keeps it byte for byte as written.

-- Bootstrapped by SchemaMigrator before any script runs; repeated here so the schema
-- reads complete from the scripts alone.
CREATE TABLE IF NOT EXISTS qp_schema_migrations
(
    version    integer     NOT NULL PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- The contact-event journal. seq is allocated at insert; event_id is the client's
-- idempotency key.
CREATE TABLE IF NOT EXISTS qp_events
(
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       text        NOT NULL,
    type           text        NOT NULL,
    occurred_at    timestamptz NOT NULL,
    received_at    timestamptz NOT NULL,
    recorded_by    text        NOT NULL,
    family_id      text        NULL,
    child_id       text        NULL,
    champion_id    text        NULL,
    ward_code      text        NULL,
    entity_version bigint      NOT NULL,
    payload        json        NOT NULL,
    CONSTRAINT qp_events_event_id_key UNIQUE (event_id)
);

-- (x, seq) serves "this child's events in order" without a sort.
CREATE INDEX IF NOT EXISTS qp_events_by_child    ON qp_events (child_id, seq);
CREATE INDEX IF NOT EXISTS qp_events_by_family   ON qp_events (family_id, seq);
CREATE INDEX IF NOT EXISTS qp_events_by_champion ON qp_events (champion_id, seq);
CREATE INDEX IF NOT EXISTS qp_events_by_recorder ON qp_events (recorded_by, seq);
CREATE INDEX IF NOT EXISTS qp_events_by_ward     ON qp_events (ward_code, seq);

-- The latest projection of each child / family / champion a ward lists.
-- Writers only replace a row with a strictly higher version.
CREATE TABLE IF NOT EXISTS qp_ward_entries
(
    entry_key  text        NOT NULL PRIMARY KEY,
    ward_code  text        NOT NULL,
    kind       text        NOT NULL,
    version    bigint      NOT NULL,
    payload    json        NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS qp_ward_entries_by_ward ON qp_ward_entries (ward_code);

-- The next time each entity must be looked at (a review falling due, a follow-up).
CREATE TABLE IF NOT EXISTS qp_deadlines
(
    entity_key text        NOT NULL PRIMARY KEY,
    due_at     timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS qp_deadlines_by_due ON qp_deadlines (due_at);

-- Who looked at or changed what, and why. Append-only.
CREATE TABLE IF NOT EXISTS qp_audit
(
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    user_id     text        NOT NULL,
    role        text        NOT NULL,
    action      text        NOT NULL,
    family_id   text        NULL,
    child_id    text        NULL,
    purpose     text        NULL,
    break_glass boolean     NOT NULL DEFAULT false,
    reason      text        NULL,
    detail      text        NULL
);

CREATE INDEX IF NOT EXISTS qp_audit_by_at     ON qp_audit (at);
CREATE INDEX IF NOT EXISTS qp_audit_by_user   ON qp_audit (user_id, at);
CREATE INDEX IF NOT EXISTS qp_audit_by_family ON qp_audit (family_id, at);
