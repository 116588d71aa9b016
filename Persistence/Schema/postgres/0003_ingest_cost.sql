-- QpActors schema 0003 (PostgreSQL 15): less work per journalled event.
-- Every contact event inserts one qp_events row and updates one qp_ward_entries row; this
-- script trims what each of those costs without changing what the journal reads or promises.

-- Nothing reads events by ward: ward lists come from qp_ward_entries. The index only cost
-- every insert.
DROP INDEX IF EXISTS qp_events_by_ward;

-- The per-selector indexes are rebuilt below as partial ones; dropped first so the
-- collation change does not build them twice.
DROP INDEX IF EXISTS qp_events_by_champion;
DROP INDEX IF EXISTS qp_events_by_child;
DROP INDEX IF EXISTS qp_events_by_family;

-- Keys and ids are opaque identifiers, compared for equality and sorted only so that batches
-- lock rows in one order. Byte order ("C") serves that, matches the ordinal sort the writers
-- use, and spares every index descent the database locale's collation (strcoll, copies to
-- NUL-terminated buffers). Same type, so no table rewrite; the indexes on them are rebuilt.
ALTER TABLE qp_events
    ALTER COLUMN event_id    TYPE text COLLATE "C",
    ALTER COLUMN recorded_by TYPE text COLLATE "C",
    ALTER COLUMN family_id   TYPE text COLLATE "C",
    ALTER COLUMN child_id    TYPE text COLLATE "C",
    ALTER COLUMN champion_id TYPE text COLLATE "C",
    ALTER COLUMN ward_code   TYPE text COLLATE "C";

ALTER TABLE qp_ward_entries
    ALTER COLUMN entry_key TYPE text COLLATE "C",
    ALTER COLUMN ward_code TYPE text COLLATE "C";

ALTER TABLE qp_deadlines
    ALTER COLUMN entity_key TYPE text COLLATE "C";

-- Reads select by equality on one of these, which implies the column is not null, so a
-- partial index serves them. Most events name no champion, and some no child or family:
-- those rows now add no entry.
CREATE INDEX IF NOT EXISTS qp_events_by_champion ON qp_events (champion_id, seq) WHERE champion_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS qp_events_by_child ON qp_events (child_id, seq) WHERE child_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS qp_events_by_family ON qp_events (family_id, seq) WHERE family_id IS NOT NULL;

-- A ward entry is replaced on almost every event and never changes an indexed column, so
-- the update can be HOT (new version on the same page, no index entries) when its page has
-- room. Leaving 30% of each page free keeps that room; pruning reclaims the old versions.
-- (qp_deadlines gains nothing from this: an update moves due_at, which is indexed.)
ALTER TABLE qp_ward_entries SET (fillfactor = 70);
