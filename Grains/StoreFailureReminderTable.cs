using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// Orleans' AdoNet reminder table (<c>orleans_reminders</c>, which keeps the deadline sweep's reminder) with the store's
/// failures told as the journal and grain state tell them (<see cref="StoreFailures"/>): a lock not had in time or the
/// server away is <see cref="JournalUnavailableException"/>, "retry shortly"; any other of the driver's is
/// <see cref="StoreFailedException"/>. The provider lets the driver's exception go: a grain registering a reminder goes
/// through the reminder service of the silo that owns the grain's range, possibly another process, and a
/// <c>PostgresException</c> has no codec, so it arrived as <c>CodecNotFoundException</c>. Each message names the table,
/// so the reminder service's own log lines (its initial load and its periodic re-reads, which it retries itself) say
/// which store failed rather than only the driver's words; the driver's exception stays inside for the silo's log.
/// </summary>
public sealed class StoreFailureReminderTable(IReminderTable inner) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    [Obsolete("Orleans calls StartAsync; Init is kept by the interface only.")]
    public Task Init() => inner.StartAsync();

    public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) => Reading(inner.ReadRows(grainId));

    public Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken) => Reading(inner.ReadRows(grainId, cancellationToken));

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => Reading(inner.ReadRows(begin, end));

    public Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken) => Reading(inner.ReadRows(begin, end, cancellationToken));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => Reading(inner.ReadRow(grainId, reminderName));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken) =>
        Reading(inner.ReadRow(grainId, reminderName, cancellationToken));

    public Task<string?> UpsertRow(ReminderEntry entry) => Writing(inner.UpsertRow(entry));

    public Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken) => Writing(inner.UpsertRow(entry, cancellationToken));

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => Writing(inner.RemoveRow(grainId, reminderName, eTag));

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
        Writing(inner.RemoveRow(grainId, reminderName, eTag, cancellationToken));

    public Task TestOnlyClearTable() => inner.TestOnlyClearTable();

    public Task TestOnlyClearTable(CancellationToken cancellationToken) => inner.TestOnlyClearTable(cancellationToken);

    private static Task<T> Reading<T>(Task<T> operation) => TellingAsync(
        operation,
        "The reminder table (orleans_reminders) could not be read for the moment; retry.",
        "The store failed a read of the reminder table (orleans_reminders).");

    private static Task<T> Writing<T>(Task<T> operation) => TellingAsync(
        operation,
        "The reminder table (orleans_reminders) could not be written for the moment (the write may have been made); retry.",
        "The store refused a write to the reminder table (orleans_reminders).");

    private static async Task<T> TellingAsync<T>(Task<T> operation, string unavailable, string failed)
    {
        try
        {
            return await operation;
        }
        catch (Exception ex) when (StoreFailures.Told(ex, unavailable, failed) is { } told)
        {
            throw told;
        }
    }
}
