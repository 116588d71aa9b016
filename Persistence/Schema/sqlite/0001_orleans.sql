-- QpActors schema 0001 (SQLite, embedded mode): what the Orleans 10.4.2 AdoNet providers
-- need when they run with the invariant System.Data.SQLite (served by Microsoft.Data.Sqlite).
--
-- The providers read their SQL from OrleansQuery by key, bind parameters by name and read
-- result columns by name (SQLite compares names without regard to case). The tables are
-- ours; only keys, parameter names and result column names are the contract.
-- Embedded mode runs one silo with localhost clustering, so there is no membership here;
-- grain state and reminders are stored.
-- SQLite has no DML inside WITH, so multi-step queries are several statements in one text;
-- the provider reads every result set in order.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

-- ---------------------------------------------------------------------------
-- Grain state. An empty extension is stored as '' so the identity can be a key.
-- ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id      TEXT    NOT NULL,
    grain_type_hash INTEGER NOT NULL,
    grain_id_hash   INTEGER NOT NULL,
    grain_id_n0     INTEGER NOT NULL,
    grain_id_n1     INTEGER NOT NULL,
    grain_type      TEXT    NOT NULL,
    grain_id_ext    TEXT    NOT NULL DEFAULT '',
    payload         BLOB    NULL,
    version         INTEGER NOT NULL,
    modified_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (service_id, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1, grain_type, grain_id_ext)
);

-- Write: a first write (no version) is a plain INSERT, so a second activation racing to
-- create the same state fails loudly on the key instead of being ignored; a later write
-- updates only the version the grain last saw. Exactly one of the two statements can
-- return a row; no row means a version conflict.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', '
INSERT INTO orleans_grain_state
    (service_id, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1, grain_type, grain_id_ext, payload, version)
SELECT @ServiceId, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeString,
       coalesce(@GrainIdExtensionString, ''''), @PayloadBinary, 1
 WHERE @GrainStateVersion IS NULL
RETURNING version AS NewGrainStateVersion;
UPDATE orleans_grain_state
   SET payload = @PayloadBinary, version = version + 1,
       modified_at = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
 WHERE @GrainStateVersion IS NOT NULL
   AND service_id = @ServiceId
   AND grain_type_hash = @GrainTypeHash
   AND grain_id_hash = @GrainIdHash
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
   AND grain_type = @GrainTypeString
   AND grain_id_ext = coalesce(@GrainIdExtensionString, '''')
   AND version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion;
'),
('ReadFromStorageKey', '
SELECT payload AS PayloadBinary, version AS Version
  FROM orleans_grain_state
 WHERE service_id = @ServiceId
   AND grain_type_hash = @GrainTypeHash
   AND grain_id_hash = @GrainIdHash
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
   AND grain_type = @GrainTypeString
   AND grain_id_ext = coalesce(@GrainIdExtensionString, '''');
'),
('ClearStorageKey', '
UPDATE orleans_grain_state
   SET payload = NULL, version = version + 1,
       modified_at = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
 WHERE service_id = @ServiceId
   AND grain_type_hash = @GrainTypeHash
   AND grain_id_hash = @GrainIdHash
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
   AND grain_type = @GrainTypeString
   AND grain_id_ext = coalesce(@GrainIdExtensionString, '''')
   AND version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion;
'),
('DeleteStorageKey', '
DELETE FROM orleans_grain_state
 WHERE service_id = @ServiceId
   AND grain_type_hash = @GrainTypeHash
   AND grain_id_hash = @GrainIdHash
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
   AND grain_type = @GrainTypeString
   AND grain_id_ext = coalesce(@GrainIdExtensionString, '''')
   AND version = @GrainStateVersion
RETURNING version + 1 AS NewGrainStateVersion;
')
ON CONFLICT (QueryKey) DO NOTHING;

-- ---------------------------------------------------------------------------
-- Reminders. Times are bound by Microsoft.Data.Sqlite as fixed-width UTC text, so
-- they compare and sort correctly as text.
-- ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleans_reminders
(
    service_id    TEXT    NOT NULL,
    grain_id      TEXT    NOT NULL,
    reminder_name TEXT    NOT NULL,
    start_time    TEXT    NOT NULL,
    period_ms     INTEGER NOT NULL,
    grain_hash    INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS orleans_reminders_by_hash ON orleans_reminders (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', '
INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
   SET start_time = excluded.start_time,
       period_ms = excluded.period_ms,
       grain_hash = excluded.grain_hash,
       version = orleans_reminders.version + 1
RETURNING version AS Version;
'),
('ReadReminderRowsKey', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
       period_ms AS Period, version AS Version
  FROM orleans_reminders
 WHERE service_id = @ServiceId AND grain_id = @GrainId;
'),
('ReadReminderRowKey', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
       period_ms AS Period, version AS Version
  FROM orleans_reminders
 WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName;
'),
('ReadRangeRows1Key', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
       period_ms AS Period, version AS Version
  FROM orleans_reminders
 WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash;
'),
('ReadRangeRows2Key', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
       period_ms AS Period, version AS Version
  FROM orleans_reminders
 WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash);
'),
-- The provider wants exactly one row holding a truth value.
('DeleteReminderRowKey', '
DELETE FROM orleans_reminders
 WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
   AND version = @Version;
SELECT changes();
'),
('DeleteReminderRowsKey', '
DELETE FROM orleans_reminders WHERE service_id = @ServiceId;
')
ON CONFLICT (QueryKey) DO NOTHING;
