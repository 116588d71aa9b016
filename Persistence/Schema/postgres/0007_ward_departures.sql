-- QpActors schema 0007 (PostgreSQL 15): a ward remembers, durably, the entities that left it.
--
-- An entity's ward entry is keyed by the entity, so the event that moves it to another ward moves the row, and the
-- ward it left no longer reads it on reloading. But a report of the entity's older version, still naming the old
-- ward (another silo's feed flushing late), could then bring it back into that reloaded ward, which no longer knew
-- it had left: the family stayed on two worklists until a reconciliation. A departure row (the ward left, the entity,
-- the version that moved it) is written in the same commit as the entry that moves, and only then: no other write
-- touches this table. A reloading ward refuses reports of the entity up to that version.
CREATE TABLE IF NOT EXISTS qp_ward_departures
(
    ward_code text COLLATE "C" NOT NULL,
    entry_key text COLLATE "C" NOT NULL,
    version   bigint           NOT NULL,
    left_at   timestamptz      NOT NULL,
    PRIMARY KEY (ward_code, entry_key)
);
