using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// Makes review windows close without any new event, for any number of children and families, without a timer
/// per entity: each keeps its next deadline in the journal's deadline table (written in the same commit as its
/// events), and this grain, woken by a reminder, ticks those whose deadline has passed.
/// The reminder survives restarts; the silo also starts the sweep at start-up.
/// </summary>
public sealed class DeadlineSweeperGrain(
    IEventJournal journal, GrainClock time, StorageSettings storage, IOptions<SiloMessagingOptions> messaging, ILogger<DeadlineSweeperGrain> logger)
    : Grain, IDeadlineSweeperGrain, IRemindable
{
    public const string ReminderName = "review-deadlines";
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);
    private const int BatchSize = 500;

    // From this silo's messaging settings, which the cluster's silos share: how late a ward report can still arrive.
    private readonly TimeSpan? _departuresKeptFor = WardDeparture.KeptForMessaging(messaging.Value.ResponseTimeout, messaging.Value.DropExpiredMessages);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_departuresKeptFor is null)
        {
            logger.LogWarning(
                "Ward departures are kept until their entity comes back, never pruned: with Orleans' ResponseTimeout {ResponseTimeout} " +
                "and DropExpiredMessages {DropExpiredMessages} (SiloMessagingOptions) a ward report may arrive any time after its entity moved",
                messaging.Value.ResponseTimeout, messaging.Value.DropExpiredMessages);
        }

        return base.OnActivateAsync(cancellationToken);
    }

    public async Task StartAsync()
    {
        await this.RegisterOrUpdateReminder(ReminderName, Period, Period);
    }

    /// <summary>
    /// A tick sweeps. A store that cannot answer for the moment (locked past its timeout, restarting, away) or that fails
    /// the sweep's reads or the entities' writes is logged as one warning naming the store, and the tick ends: nothing is
    /// lost, since each deadline stays in qp_deadlines until its entity has been woken and has written its next one, so the
    /// next tick, a minute later, wakes whatever is still due. Rethrown, the failure would only have reached Orleans'
    /// reminder service, which logs it with the driver's stack and ticks again on the same schedule.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        try
        {
            await SweepAsync();
        }
        catch (Exception failure) when (StoreFailures.Within(failure) is { } told)
        {
            logger.LogWarning(
                "Review deadlines: the sweep could not finish against {Store} ({Reason}); the deadlines still due stay in " +
                "qp_deadlines and the next tick, in {Period}, sweeps them", storage.Describe(), told.Message, Period);
            logger.LogDebug(failure, "The sweep's failure");
        }
    }

    public async Task<int> SweepAsync()
    {
        var woken = 0;
        for (var round = 0; round < 100; round++)
        {
            var due = await journal.ReadDueAsync(time.GetUtcNow(), BatchSize);
            if (due.Count == 0)
            {
                break;
            }

            await Task.WhenAll(due.Select(d => TickAsync(d.EntityKey)));
            woken += due.Count;
            if (due.Count < BatchSize)
            {
                break;
            }
        }

        if (woken > 0)
        {
            logger.LogInformation("Review deadlines: woke {Count} children and families", woken);
        }

        await PruneDeparturesAsync();
        return woken;
    }

    /// <summary>
    /// Removes the departure rows past their keep (<see cref="WardDeparture.KeptForMessaging"/>: a week with Orleans' default
    /// messaging) of an entity that never came back: the sweep already runs every minute, and a check that finds nothing
    /// costs a read of a table that holds a week's moves. With messaging under which a report has no latest arrival, no
    /// row is removed. A store that fails it is logged and left to the next sweep: the rows keep, and the deadlines were
    /// already handled.
    /// </summary>
    private async Task PruneDeparturesAsync()
    {
        if (_departuresKeptFor is not { } keptFor)
        {
            return;
        }

        try
        {
            var pruned = await journal.PruneWardDeparturesAsync(keptFor);
            if (pruned > 0)
            {
                logger.LogInformation("Ward departures: removed {Count} rows older than {KeptFor}", pruned, keptFor);
            }
        }
        catch (Exception failure) when (failure is JournalUnavailableException or StoreFailedException)
        {
            // One line naming the store, as a tick's own failure is: the driver's exception inside is for the debug log.
            logger.LogWarning("Ward departures could not be pruned in {Store} ({Reason}); the next sweep tries again", storage.Describe(), failure.Message);
            logger.LogDebug(failure, "The prune's failure");
        }
    }

    private async Task TickAsync(string entityKey)
    {
        if (entityKey.StartsWith("child:", StringComparison.Ordinal))
        {
            await GrainFactory.For<IChildGrain>(entityKey["child:".Length..]).TickAsync();
        }
        else if (entityKey.StartsWith("family:", StringComparison.Ordinal))
        {
            await GrainFactory.For<IFamilyGrain>(entityKey["family:".Length..]).TickNowAsync();
        }
        else if (entityKey.StartsWith(MarkNotices.Prefix, StringComparison.Ordinal))
        {
            await TakeMarkAsync(entityKey[MarkNotices.Prefix.Length..]);
        }
        else
        {
            await journal.AppendAsync(new JournalWrite(null, [], [new Deadline(entityKey, null)], []));
        }
    }

    /// <summary>
    /// A child's mark whose notice its family has not taken (<see cref="MarkNotices"/>): the family named by the mark's own
    /// row takes it now, and the row is cleared only after it has (it clears the row itself too). A failure leaves the row
    /// due, so the next tick asks again.
    /// </summary>
    private async Task TakeMarkAsync(string markEventId)
    {
        if ((await journal.FindEventAsync(markEventId))?.FamilyId is { } familyId)
        {
            logger.LogWarning("Family {FamilyId} had not taken mark {MarkEventId} a minute after its child committed it (its notice lost): it takes it now", familyId, markEventId);
            await GrainFactory.For<IFamilyGrain>(familyId).TakeChildMarkAsync(markEventId);
        }

        await journal.AppendAsync(new JournalWrite(null, [], [MarkNotices.Taken(markEventId)], []));
    }
}
