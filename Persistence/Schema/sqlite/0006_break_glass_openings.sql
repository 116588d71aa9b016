-- QpActors schema 0006 (SQLite): the audit entries that opened a break-glass window, indexed on their own.
--
-- A break-glass window (a practitioner's written reason opening an out-of-ward family to them for 30 minutes) used to
-- live only in the family grain's memory, so the grain's deactivation closed it early. Every opening is already in the
-- audit log, durable before the read it opened returned, with its user, instant and reason; a family activation that
-- meets an out-of-ward caller without a reason reads the openings of the last 30 minutes back from here. A family's
-- other audit entries (one per read of it) are never scanned: this index holds only the openings, and costs nothing on
-- any other insert. Its predicate is the one the journal's query states (SqliteEventJournal), constant included.
CREATE INDEX IF NOT EXISTS qp_audit_break_glass_openings
    ON qp_audit (family_id, at)
    WHERE break_glass AND detail = 'break-glass window opened';
