-- QpActors schema 0004 (SQLite): a racing first write of a grain's state is a version conflict, as on PostgreSQL.
--
-- 0001 wrote a grain's first state with a plain INSERT, so a second activation racing to create the same
-- state failed on the primary key with a SqliteException. Orleans takes no row back from this query as a version
-- conflict and raises InconsistentStateException, on which a grain is deactivated and reloads; on any other
-- failure the activation kept its empty version and every later write failed the same way. Now the first write
-- does nothing on a conflict and returns no row, which Orleans reads as that conflict. PostgreSQL's query has
-- done the same since 0001.
UPDATE OrleansQuery SET QueryText = '
INSERT INTO orleans_grain_state
    (service_id, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1, grain_type, grain_id_ext, payload, version)
SELECT @ServiceId, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeString,
       coalesce(@GrainIdExtensionString, ''''), @PayloadBinary, 1
 WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
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
'
WHERE QueryKey = 'WriteToStorageKey';
