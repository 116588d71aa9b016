-- QpActors schema 0006 (PostgreSQL 15): a membership write moves the table version only when it changed a row.
--
-- In 0001 InsertMembershipKey and UpdateMembershipKey bumped the version first and then wrote the member row
-- from the bump. When the member write then did nothing (the silo's row was already there, or the row to update
-- was missing) the statement answered 0, a failure, with the version moved all the same: every other silo's
-- next write, made against the version it had read, was then refused and retried for no change.
--
-- Now the version row is locked first, and only if it still holds the version the caller read (a writer that
-- got there first and committed moves it, and the lock then finds no row). The member row is written under that
-- lock, and the version moves only if it was written. Orleans' contract is unchanged: the same parameters, and
-- the count of member rows written (1 success, 0 failure).
UPDATE OrleansQuery SET QueryText = $q$
WITH locked AS (
    SELECT deployment_id
      FROM orleans_membership_version
     WHERE deployment_id = @DeploymentId AND version = @Version
       FOR UPDATE
), added AS (
    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    SELECT l.deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
      FROM locked l
    ON CONFLICT ON CONSTRAINT orleans_membership_pk DO NOTHING
    RETURNING 1
), bumped AS (
    UPDATE orleans_membership_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = @DeploymentId AND EXISTS (SELECT 1 FROM added)
    RETURNING 1
)
SELECT count(*)::integer FROM added
$q$
WHERE QueryKey = 'InsertMembershipKey';

UPDATE OrleansQuery SET QueryText = $q$
WITH locked AS (
    SELECT deployment_id
      FROM orleans_membership_version
     WHERE deployment_id = @DeploymentId AND version = @Version
       FOR UPDATE
), changed AS (
    UPDATE orleans_membership m
       SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
      FROM locked l
     WHERE m.deployment_id = l.deployment_id
       AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1
), bumped AS (
    UPDATE orleans_membership_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = @DeploymentId AND EXISTS (SELECT 1 FROM changed)
    RETURNING 1
)
SELECT count(*)::integer FROM changed
$q$
WHERE QueryKey = 'UpdateMembershipKey';
