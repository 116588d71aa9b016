-- QpActors schema 0002 (SQLite): the project's own tables.
-- Timestamps are UTC text in one fixed-width form, yyyy-MM-ddTHH:mm:ss.ffffffZ, so text
-- order is time order and precision matches PostgreSQL (microseconds).
-- Payloads are JSON text, checked with json_valid.

-- Bootstrapped by SchemaMigrator before any script runs; repeated here so the schema
-- reads complete from the scripts alone.
CREATE TABLE IF NOT EXISTS qp_schema_migrations
(
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- AUTOINCREMENT: seq is never reused, even after the newest row is deleted.
CREATE TABLE IF NOT EXISTS qp_events
(
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT    NOT NULL UNIQUE,
    type           TEXT    NOT NULL,
    occurred_at    TEXT    NOT NULL,
    received_at    TEXT    NOT NULL,
    recorded_by    TEXT    NOT NULL,
    family_id      TEXT    NULL,
    child_id       TEXT    NULL,
    champion_id    TEXT    NULL,
    ward_code      TEXT    NULL,
    entity_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL CHECK (json_valid(payload))
);

CREATE INDEX IF NOT EXISTS qp_events_by_child    ON qp_events (child_id, seq);
CREATE INDEX IF NOT EXISTS qp_events_by_family   ON qp_events (family_id, seq);
CREATE INDEX IF NOT EXISTS qp_events_by_champion ON qp_events (champion_id, seq);
CREATE INDEX IF NOT EXISTS qp_events_by_recorder ON qp_events (recorded_by, seq);
CREATE INDEX IF NOT EXISTS qp_events_by_ward     ON qp_events (ward_code, seq);

CREATE TABLE IF NOT EXISTS qp_ward_entries
(
    entry_key  TEXT    NOT NULL PRIMARY KEY,
    ward_code  TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    payload    TEXT    NOT NULL CHECK (json_valid(payload)),
    updated_at TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS qp_ward_entries_by_ward ON qp_ward_entries (ward_code);

CREATE TABLE IF NOT EXISTS qp_deadlines
(
    entity_key TEXT NOT NULL PRIMARY KEY,
    due_at     TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS qp_deadlines_by_due ON qp_deadlines (due_at);

CREATE TABLE IF NOT EXISTS qp_audit
(
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    family_id   TEXT    NULL,
    child_id    TEXT    NULL,
    purpose     TEXT    NULL,
    break_glass INTEGER NOT NULL DEFAULT 0 CHECK (break_glass IN (0, 1)),
    reason      TEXT    NULL,
    detail      TEXT    NULL
);

CREATE INDEX IF NOT EXISTS qp_audit_by_at     ON qp_audit (at);
CREATE INDEX IF NOT EXISTS qp_audit_by_user   ON qp_audit (user_id, at);
CREATE INDEX IF NOT EXISTS qp_audit_by_family ON qp_audit (family_id, at);
