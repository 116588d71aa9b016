-- QpActors schema 0003 (SQLite): less work per journalled event.
-- Every contact event inserts one qp_events row and replaces one qp_ward_entries row on the
-- single writer's thread. This script trims what each of those costs without changing what
-- the journal reads or promises.
--
-- SchemaMigrator runs the whole script, with every other pending one, inside one
-- BEGIN IMMEDIATE transaction: a failure anywhere leaves the file at 0002. The table rebuilds
-- below follow SQLite's documented procedure for changes ALTER TABLE cannot make (new table,
-- copy, drop, rename, recreate indexes); it needs PRAGMA foreign_keys=OFF only when foreign
-- keys are involved, and no table here has any, nor any trigger or view.

-- ---------------------------------------------------------------------------
-- qp_events without CHECK (json_valid(payload)).
-- Every payload is written by our own System.Text.Json code (ContactEventJson.Serialize with a
-- Utf8JsonWriter over the typed, validated event), never copied from a client's raw text, so it
-- is JSON by construction; the check parsed each payload a second time in the writer.
-- AUTOINCREMENT stays, so seq is never reused.
-- ---------------------------------------------------------------------------
CREATE TABLE qp_events_0003
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
    payload        TEXT    NOT NULL
);

INSERT INTO qp_events_0003
      (seq, event_id, type, occurred_at, received_at, recorded_by, family_id, child_id, champion_id, ward_code, entity_version, payload)
SELECT seq, event_id, type, occurred_at, received_at, recorded_by, family_id, child_id, champion_id, ward_code, entity_version, payload
  FROM qp_events
 ORDER BY seq;

-- Copying explicit seqs leaves the new table's counter at the highest seq copied, which is lower
-- than the old counter whenever the newest rows had been deleted; carry the old counter over so
-- the next seq continues from the highest ever handed out. sqlite_sequence has no unique key:
-- delete before inserting so there is exactly one row.
DELETE FROM sqlite_sequence WHERE name = 'qp_events_0003';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'qp_events_0003', top
  FROM (SELECT max(seq) AS top
          FROM (SELECT seq FROM sqlite_sequence WHERE name = 'qp_events'
                UNION ALL SELECT max(seq) FROM qp_events))
 WHERE top IS NOT NULL;

-- Dropping the table drops its indexes and its sqlite_sequence row; the rename carries the new
-- table's sqlite_sequence row with it.
DROP TABLE qp_events;
ALTER TABLE qp_events_0003 RENAME TO qp_events;

-- Nothing reads events by ward on SQLite (every query in SqliteEventJournal selects by child,
-- family, champion, recorder or event id; ward lists come from qp_ward_entries), so
-- qp_events_by_ward is not recreated: it only cost every insert.
--
-- Reads select by equality on one of these columns, and "column = @value" implies the column
-- is not null, so SQLite's planner uses a partial index for them. Most events name no champion,
-- and some no child or family: those rows now add no entry.
CREATE INDEX qp_events_by_child    ON qp_events (child_id, seq)    WHERE child_id IS NOT NULL;
CREATE INDEX qp_events_by_family   ON qp_events (family_id, seq)   WHERE family_id IS NOT NULL;
CREATE INDEX qp_events_by_champion ON qp_events (champion_id, seq) WHERE champion_id IS NOT NULL;
-- recorded_by is NOT NULL, so a partial index would hold every row anyway.
CREATE INDEX qp_events_by_recorder ON qp_events (recorded_by, seq);

-- ---------------------------------------------------------------------------
-- qp_ward_entries without CHECK (json_valid(payload)).
-- Every payload is a contribution written by ContributionJson.Serialize (System.Text.Json over
-- our own records), never a client's text; the check parsed it again on every upsert.
-- ---------------------------------------------------------------------------
CREATE TABLE qp_ward_entries_0003
(
    entry_key  TEXT    NOT NULL PRIMARY KEY,
    ward_code  TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    payload    TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

INSERT INTO qp_ward_entries_0003 (entry_key, ward_code, kind, version, payload, updated_at)
SELECT entry_key, ward_code, kind, version, payload, updated_at
  FROM qp_ward_entries;

DROP TABLE qp_ward_entries;
ALTER TABLE qp_ward_entries_0003 RENAME TO qp_ward_entries;

CREATE INDEX qp_ward_entries_by_ward ON qp_ward_entries (ward_code);
