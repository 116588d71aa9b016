using Microsoft.Extensions.Logging;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// The durable half of a child's notice to its family of an entered-in-error mark. The notice itself is one-way, as every
/// notice of a child's events is; a lost one (a silo failing between the child's commit and the family's turn, a timeout)
/// would leave the family, and the ward it names, counting the marked record until something made the family read its
/// rows. So the unit that commits the mark also writes a deadline row keyed by the mark, due a little later; the family
/// clears it once it has taken the mark, and the deadline sweep (a reminder, so it outlives restarts) asks the family to
/// take any mark whose row is still due (<see cref="IFamilyGrain.TakeChildMarkAsync"/>), then clears it. Only a unit
/// holding a mark writes one: every other event's write is as it was.
/// </summary>
public static class MarkNotices
{
    /// <summary>The deadline rows' key prefix, followed by the mark's event id.</summary>
    public const string Prefix = "mark-notice:";

    /// <summary>
    /// How long after the mark's commit its row falls due: the notice normally arrives within milliseconds and clears it, so
    /// the sweep (every minute) acts only on one that did not, rather than racing the notice to the same fold.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    public static string Key(string markEventId) => Prefix + markEventId;

    /// <summary>The row a unit writes with <paramref name="mark"/>, committed at <paramref name="now"/>.</summary>
    public static Deadline Pending(ContactEvent mark, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(mark);
        return new Deadline(Key(mark.EventId), now + Grace);
    }

    /// <summary>The write that clears the row once the family has taken the mark.</summary>
    public static Deadline Taken(string markEventId) => new(Key(markEventId), null);

    /// <summary>
    /// Tells the service that recorded <paramref name="mark"/> (a recorder <c>service:&lt;id&gt;</c>), once the mark is
    /// durable and before it is answered, so the service's summary counts the marked event no more at once rather than
    /// after its next refresh (<see cref="IServiceGrain.MarkRecordedAsync"/>). A champion's marks reach the champion with
    /// the one-way notice every champion event has. A service that cannot be told now shows the mark after its refresh
    /// of a few seconds, so a failure only costs that wait and does not fail the mark's receipt.
    /// </summary>
    public static async Task TellServiceAsync(IGrainFactory grains, ContactEvent mark, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(mark);
        if (RiskViews.ServiceOf(mark) is not { } service)
        {
            return;
        }

        try
        {
            await grains.For<IServiceGrain>(service).MarkRecordedAsync();
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            logger.LogWarning(failure, "Service {Recorder} was not told of its mark {MarkEventId}; its summary shows it after its next refresh", mark.RecordedBy, mark.EventId);
        }
    }
}
