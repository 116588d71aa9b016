using Microsoft.Data.Sqlite;

namespace QpActors.Persistence.Tests;

/// <summary>
/// SQLite's write lock held by another connection (another process writing, a shell, a backup) past the busy timeout the
/// connection string carries: the journal's write is "retry shortly", as a lock timeout is on PostgreSQL, and nothing was
/// written; once the lock is let go the same write is taken.
/// </summary>
public sealed class SqliteBusyTests
{
    [Fact]
    public async Task A_write_while_another_connection_holds_the_write_lock_is_retry_shortly_and_is_taken_once_it_lets_go()
    {
        await using var store = await TestStore.MigratedAsync(StorageKind.Sqlite);
        // One second of waiting for the lock, from the connection string, rather than the embedded default's 30.
        var settings = store.Settings with
        {
            ConnectionString = new SqliteConnectionStringBuilder(store.Settings.ConnectionString) { DefaultTimeout = 1 }.ToString(),
        };
        await using var journal = EventJournalFactory.Create(settings);
        var write = JournalWrite.ForEvent(JournalScenarios.Event("e-busy"));

        await using (var holder = new SqliteConnection(new SqliteConnectionStringBuilder(settings.ConnectionString) { Pooling = false }.ToString()))
        {
            await holder.OpenAsync();
            await using var held = holder.BeginTransaction(deferred: false);
            var refused = await Assert.ThrowsAsync<JournalUnavailableException>(() => journal.AppendAsync(write)).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.IsType<SqliteException>(refused.InnerException);
        }

        Assert.True((await journal.AppendAsync(write)).Inserted);
    }
}
