-- QpActors schema 0005 (PostgreSQL 15): a ward entry's version and time sit just before its payload.
--
-- A ward entry is rewritten with almost every contact event, and the rewrite stays on its page (HOT,
-- schema 0003). For such an update PostgreSQL logs only the new row's bytes between the first and the
-- last that differ from the old row. With the columns in their old order (version, payload, updated_at)
-- that span ran from the version to the time at the end of the row: the whole payload, about 0.95 kB of
-- WAL a rewrite, 38-42% of all the WAL a run of contacts writes (docs/benchmarks.md, seventeenth round).
-- With version and updated_at next to each other and before the payload, and the contributions' JSON
-- naming first what an event changes (Grains/Contributions.cs), the span is the version, the time and
-- the start of the payload.
--
-- PostgreSQL cannot move a column, so the table is rebuilt, under an exclusive lock. It holds one row per
-- child, family and champion (not one per event), so this is quick.
CREATE TABLE qp_ward_entries_0005
(
    entry_key  text COLLATE "C" NOT NULL,
    ward_code  text COLLATE "C" NOT NULL,
    kind       text             NOT NULL,
    version    bigint           NOT NULL,
    updated_at timestamptz      NOT NULL,
    payload    text             NOT NULL
) WITH (fillfactor = 70);

INSERT INTO qp_ward_entries_0005 (entry_key, ward_code, kind, version, updated_at, payload)
SELECT entry_key, ward_code, kind, version, updated_at, payload FROM qp_ward_entries;

DROP TABLE qp_ward_entries;
ALTER TABLE qp_ward_entries_0005 RENAME TO qp_ward_entries;
ALTER TABLE qp_ward_entries ADD CONSTRAINT qp_ward_entries_pkey PRIMARY KEY (entry_key);
CREATE INDEX qp_ward_entries_by_ward ON qp_ward_entries (ward_code);
