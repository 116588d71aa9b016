using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Hosting;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;
using QpActors.Tests.Shared;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// The deadline sweep's reminder and its ticks when the store cannot answer for the moment: a real PostgreSQL table lock
/// held past the silo's lock timeout, as a migration or a VACUUM FULL would hold it; on SQLite, another connection holding
/// the file's write lock, or the whole file (exclusive locking mode, as a backup or a shell might), past the busy timeout.
/// </summary>
public sealed class ReminderStoreFailureTests
{
    private const int LockTimeoutMilliseconds = 300;

    [PostgresFact]
    public async Task A_silo_starts_while_the_reminder_table_is_locked_and_registers_the_sweep_once_it_is_free()
    {
        HeldLock? held = null;
        var logs = new CapturedLogs();
        await using var cluster = await Cluster.StartOnPostgresAsync(
            services => services
                .AddDeadlineSweepStart(TimeSpan.FromMilliseconds(100))
                .Configure<ReminderOptions>(o => o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1))
                .AddSingleton<ILoggerProvider>(logs),
            LockTimeoutMilliseconds,
            async storage => held = await HeldLock.TakeAsync(storage, "orleans_reminders"));
        var start = cluster.Silo.Silos[0].ServiceProvider.GetRequiredService<DeadlineSweepStart>();

        // Started, and serving, with the table still locked: registering failed and is being retried.
        await start.FirstFailure.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(start.Registered.IsCompleted);

        // Orleans' reminder service logged its failed loads itself: each entry's exception is the store's failure told in
        // one line naming the database, not Npgsql's chain of exceptions and stacks.
        await logs.FailureLoggedBy("LocalReminderService").WaitAsync(TimeSpan.FromSeconds(60));
        AssertOneLineNamingTheStore(logs, "LocalReminderService", "PostgreSQL database");
        var events = new Events(cluster.Clock, "reminder-locked");
        var (family, child) = (events.NewId("f"), events.NewId("c"));
        var receipt = await cluster.Client.GetGrain<IChildGrain>(child).RecordAsync(events.Birth(family, child, DateOnly.FromDateTime(cluster.Clock.GetUtcNow().UtcDateTime).AddDays(-2)));
        Assert.Equal(ReceiptStatus.Accepted, receipt.Status);

        await held!.DisposeAsync();
        await start.Registered.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, await CountAsync(cluster.Storage, $"SELECT count(*) FROM orleans_reminders WHERE reminder_name = '{DeadlineSweeperGrain.ReminderName}'"));
    }

    [PostgresFact]
    public async Task Registering_the_sweep_while_the_reminder_table_is_locked_fails_as_retry_shortly_naming_the_table()
    {
        await using var cluster = await Cluster.StartOnPostgresAsync(lockTimeoutMilliseconds: LockTimeoutMilliseconds);
        var sweeper = cluster.Client.GetGrain<IDeadlineSweeperGrain>(0);
        await sweeper.StartAsync();

        await using (await HeldLock.TakeAsync(cluster.Storage, "orleans_reminders"))
        {
            var refused = await Assert.ThrowsAsync<JournalUnavailableException>(sweeper.StartAsync);
            Assert.Contains("orleans_reminders", refused.Message, StringComparison.Ordinal);
        }

        await sweeper.StartAsync();
    }

    [PostgresFact]
    public async Task A_tick_that_finds_the_deadlines_locked_ends_quietly_and_the_next_tick_wakes_what_is_due()
    {
        await using var cluster = await Cluster.StartOnPostgresAsync(lockTimeoutMilliseconds: LockTimeoutMilliseconds);
        var events = new Events(cluster.Clock, "tick-locked");
        var (family, child) = (events.NewId("f"), events.NewId("c"));
        var grain = cluster.Client.GetGrain<IChildGrain>(child);
        var today = DateOnly.FromDateTime(cluster.Clock.GetUtcNow().UtcDateTime);
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(events.Birth(family, child, today.AddDays(-2)))).Status);
        cluster.Clock.Advance(TimeSpan.FromDays(14));
        var tick = cluster.Client.GetGrain<IDeadlineSweeperGrain>(0).AsReference<IRemindable>();
        var status = new TickStatus(cluster.Clock.GetUtcNow().UtcDateTime, DeadlineSweeperGrain.Period, cluster.Clock.GetUtcNow().UtcDateTime);

        await using (await HeldLock.TakeAsync(cluster.Storage, "qp_deadlines"))
        {
            await tick.ReceiveReminder(DeadlineSweeperGrain.ReminderName, status);
        }

        // Nothing was woken, and the child's deadline is still there and due: the failed tick lost nothing.
        var due = $"SELECT count(*) FROM qp_deadlines WHERE entity_key = 'child:{child}' AND due_at <= '{cluster.Clock.GetUtcNow():O}'";
        Assert.Equal(1, await CountAsync(cluster.Storage, due));

        await tick.ReceiveReminder(DeadlineSweeperGrain.ReminderName, status);

        // Woken now: the child wrote its next deadline, later than now.
        Assert.Equal(0, await CountAsync(cluster.Storage, due));
    }

    [Fact]
    public async Task A_silo_starts_while_another_connection_holds_sqlite_s_write_lock_and_registers_the_sweep_once_it_lets_go()
    {
        var logs = new CapturedLogs();
        HeldWrite? held = null;
        await using var cluster = await Cluster.StartAsync(
            services => services
                .AddDeadlineSweepStart(TimeSpan.FromMilliseconds(100))
                .AddSingleton<ILoggerProvider>(logs),
            BusyTimeoutSeconds,
            async storage => held = await HoldWriteLockAsync(storage));
        var start = cluster.Silo.Silos[0].ServiceProvider.GetRequiredService<DeadlineSweepStart>();

        // Started, and serving reads, with the write lock still held: registering failed as "retry shortly" (one line
        // naming the file) and is being retried.
        await start.FirstFailure.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(start.Registered.IsCompleted);
        var warning = logs.Entries.First(e => e.Category.EndsWith(nameof(DeadlineSweepStart), StringComparison.Ordinal) && e.Level == LogLevel.Warning);
        Assert.Null(warning.Exception);
        Assert.Contains("SQLite file", warning.Message, StringComparison.Ordinal);
        Assert.Contains("for the moment", warning.Message, StringComparison.Ordinal);
        var store = cluster.Storage.Describe();
        Assert.Equal(store.Length, warning.Message.Length - warning.Message.Replace(store, "", StringComparison.Ordinal).Length);
        var events = new Events(cluster.Clock, "sqlite-locked");
        Assert.Equal(0, (await cluster.Client.GetGrain<IChildGrain>(events.NewId("c")).GetRiskAsync()).Score);

        await held!.DisposeAsync();
        await start.Registered.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, await CountAsync(cluster.Storage, $"SELECT count(*) FROM orleans_reminders WHERE reminder_name = '{DeadlineSweeperGrain.ReminderName}'"));
    }

    [Fact]
    public async Task Registering_the_sweep_while_another_connection_holds_sqlite_s_write_lock_fails_as_retry_shortly_naming_the_table_and_file()
    {
        await using var cluster = await Cluster.StartAsync(busyTimeoutSeconds: BusyTimeoutSeconds);
        var sweeper = cluster.Client.GetGrain<IDeadlineSweeperGrain>(0);
        await sweeper.StartAsync();

        await using (await HoldWriteLockAsync(cluster.Storage))
        {
            var refused = await Assert.ThrowsAsync<JournalUnavailableException>(sweeper.StartAsync);
            Assert.Contains("orleans_reminders", refused.Message, StringComparison.Ordinal);
            Assert.Contains("SQLite file", refused.Message, StringComparison.Ordinal);
        }

        await sweeper.StartAsync();
    }

    [Fact]
    public async Task A_tick_that_finds_sqlite_s_write_lock_held_ends_with_one_line_and_the_next_tick_wakes_what_is_due()
    {
        var logs = new CapturedLogs();
        await using var cluster = await Cluster.StartAsync(services => services.AddSingleton<ILoggerProvider>(logs), BusyTimeoutSeconds);
        var events = new Events(cluster.Clock, "tick-locked-sqlite");
        var (family, child) = (events.NewId("f"), events.NewId("c"));
        var grain = cluster.Client.GetGrain<IChildGrain>(child);
        var today = DateOnly.FromDateTime(cluster.Clock.GetUtcNow().UtcDateTime);
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(events.Birth(family, child, today.AddDays(-2)))).Status);
        cluster.Clock.Advance(TimeSpan.FromDays(14));
        var tick = cluster.Client.GetGrain<IDeadlineSweeperGrain>(0).AsReference<IRemindable>();
        var status = new TickStatus(cluster.Clock.GetUtcNow().UtcDateTime, DeadlineSweeperGrain.Period, cluster.Clock.GetUtcNow().UtcDateTime);
        var due = $"SELECT count(*) FROM qp_deadlines WHERE entity_key = 'child:{child}' AND due_at <= '{cluster.Clock.GetUtcNow():O}'";

        await using (await HoldWriteLockAsync(cluster.Storage))
        {
            await tick.ReceiveReminder(DeadlineSweeperGrain.ReminderName, status);
        }

        // Nothing was woken, and the child's deadline is still there and due: the failed tick lost nothing.
        Assert.Equal(1, await CountAsync(cluster.Storage, due));
        var warning = Assert.Single(logs.Entries, e => e.Category.EndsWith(nameof(DeadlineSweeperGrain), StringComparison.Ordinal) && e.Level == LogLevel.Warning);
        Assert.Null(warning.Exception);
        Assert.Contains("SQLite file", warning.Message, StringComparison.Ordinal);

        await tick.ReceiveReminder(DeadlineSweeperGrain.ReminderName, status);

        Assert.Equal(0, await CountAsync(cluster.Storage, due));
    }

    /// <summary>
    /// Each entry a category logged with an exception because the store failed says so in one line: the exception Orleans
    /// logs is ours, naming the store, with no driver's exception (and its chain of stacks) inside.
    /// </summary>
    private static void AssertOneLineNamingTheStore(CapturedLogs logs, string category, string store)
    {
        var failures = logs.Entries.Where(e => e.Category.EndsWith(category, StringComparison.Ordinal) && e.Exception is not null).ToList();
        Assert.NotEmpty(failures);
        foreach (var failure in failures)
        {
            Assert.False(CapturedLogs.CarriesADriversException(failure), $"{failure.Message}: {failure.Exception}");
            var told = StoreFailures.Within(failure.Exception!);
            Assert.NotNull(told);
            Assert.Contains(store, told.Message, StringComparison.Ordinal);
            Assert.Contains("orleans_reminders", told.Message, StringComparison.Ordinal);
        }
    }

    private const int BusyTimeoutSeconds = 1;

    /// <summary>SQLite's one write lock, held by another connection (readers go on, in WAL mode) until disposed.</summary>
    private static async Task<HeldWrite> HoldWriteLockAsync(StorageSettings storage)
    {
        var holder = new SqliteConnection(new SqliteConnectionStringBuilder(storage.ConnectionString) { Pooling = false }.ToString());
        await holder.OpenAsync();
        return new HeldWrite(holder, holder.BeginTransaction(deferred: false));
    }

    private sealed class HeldWrite(SqliteConnection holder, SqliteTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await holder.DisposeAsync();
        }
    }

    /// <summary>A count read on a connection of the test's own, on whichever store the cluster runs.</summary>
    private static async Task<long> CountAsync(StorageSettings storage, string sql)
    {
        await using System.Data.Common.DbConnection connection = storage.Kind == StorageKind.Postgres
            ? new NpgsqlConnection(storage.ConnectionString)
            : new SqliteConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A table held in ACCESS EXCLUSIVE mode by a session of the test's own (no lock timeout) until disposed.</summary>
    private sealed class HeldLock(NpgsqlConnection holder, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public static async Task<HeldLock> TakeAsync(StorageSettings storage, string table)
        {
            var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(storage.ConnectionString) { Options = null }.ToString());
            await holder.OpenAsync();
            var transaction = await holder.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand($"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE", holder, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }

            return new HeldLock(holder, transaction);
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await holder.DisposeAsync();
        }
    }
}
