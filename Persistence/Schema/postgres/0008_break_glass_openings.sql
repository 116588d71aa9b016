-- qp:outside-transaction
-- QpActors schema 0008 (PostgreSQL 15): the audit entries that opened a break-glass window, indexed on their own.
--
-- A break-glass window (a practitioner's written reason opening an out-of-ward family to them for 30 minutes) used to
-- live only in the family grain's memory, so the grain's deactivation closed it early. Every opening is already in the
-- audit log, durable before the read it opened returned, with its user, instant and reason; a family activation that
-- meets an out-of-ward caller without a reason reads the openings of the last 30 minutes back from here. A family's
-- other audit entries (one per read of it, thousands a second under load) are never scanned: this index holds only
-- the openings, and costs nothing on any other insert. Its predicate is the one the journal's query states
-- (PostgresEventJournal), constant included.
--
-- Built CONCURRENTLY, outside a transaction (the marker on the first line). The script first shipped as a plain
-- CREATE INDEX inside the migration's transaction: that takes a SHARE lock on qp_audit for the whole build, and every
-- audited read writes an audit row before it answers, so on a production audit log of millions of rows every such read
-- would have waited for the build. A concurrent build takes SHARE UPDATE EXCLUSIVE, which writers do not wait for; it
-- waits instead for the transactions already writing qp_audit to end, and scans the table twice.
--
-- Changed in place rather than added as a new version, against the rule of never editing an applied script, because
-- the index it leaves is the same (name, columns, predicate): a store that applied the first text has version 8
-- recorded and never runs this one, and its index is what this one builds; a store not yet at 8 builds it without
-- stopping its writers. A build that failed half way leaves an INVALID index of this name, which IF NOT EXISTS would
-- keep: the migrator drops such a leftover before running the script (SchemaMigrator.ApplyOutsideTransactionAsync).
CREATE INDEX CONCURRENTLY IF NOT EXISTS qp_audit_break_glass_openings
    ON qp_audit (family_id, at)
    WHERE break_glass AND detail = 'break-glass window opened';
