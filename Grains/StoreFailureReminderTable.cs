using Microsoft.Extensions.Logging;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// Orleans' AdoNet reminder table (<c>orleans_reminders</c>, which keeps the deadline sweep's reminder) with the store's
/// failures told as the journal and grain state tell them (<see cref="StoreFailures"/>): a lock not had in time or the
/// server away is <see cref="JournalUnavailableException"/>, "retry shortly"; any other of the driver's is
/// <see cref="StoreFailedException"/>. The provider lets the driver's exception go: a grain registering a reminder goes
/// through the reminder service of the silo that owns the grain's range, possibly another process, and a
/// <c>PostgresException</c> has no codec, so it arrived as <c>CodecNotFoundException</c>.
/// <para>
/// Each message names the table and the store (<see cref="StorageSettings.Describe"/>) and ends with the driver's own
/// message, and the driver's exception is not kept inside (<see cref="StoreFailures.ToldAlone"/>): Orleans' reminder
/// service logs every failed load of its table itself, twice per attempt ("Failed to read rows from table", then "failed
/// initial load ... will retry" or "Exception while reading reminders"), each entry with the exception, and with the
/// driver's exception inside each was Npgsql's chain of exceptions and stacks, about forty lines saying what the one line
/// says. A log filter on the service's category would have hidden its other failures too. The driver's exception goes to
/// this class's own debug log, once per failure, for whoever needs its details. Other failures (not the store's) pass as
/// they are.
/// </para>
/// </summary>
public sealed class StoreFailureReminderTable(IReminderTable inner, StorageSettings storage, ILogger<StoreFailureReminderTable> logger) : IReminderTable
{
    private readonly string _store = storage.Describe();

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

    private Task<T> Reading<T>(Task<T> operation) => TellingAsync(
        operation,
        "The reminder table (orleans_reminders) could not be read for the moment; retry.",
        "The store failed a read of the reminder table (orleans_reminders).");

    private Task<T> Writing<T>(Task<T> operation) => TellingAsync(
        operation,
        "The reminder table (orleans_reminders) could not be written for the moment (the write may have been made); retry.",
        "The store refused a write to the reminder table (orleans_reminders).");

    private async Task<T> TellingAsync<T>(Task<T> operation, string unavailable, string failed)
    {
        try
        {
            return await operation;
        }
        catch (Exception ex) when (StoreFailures.ToldAlone(ex, _store, unavailable, failed) is { } told)
        {
            logger.LogDebug(ex, "The reminder table's store failed: {Told}", told.Message);
            throw told;
        }
    }
}
