using System.Text.Json;
using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Gateway.Hosting;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Application;

/// <summary>One item of a batch: its position in the batch and its receipt.</summary>
public sealed record BatchReceipt(int Index, ContactReceipt Receipt);

/// <summary>How a batch is routed to its grains.</summary>
public sealed class BatchRoutingOptions
{
    /// <summary>
    /// <c>Api:BatchCallsInFlight</c>: grain calls one batch has in flight at once (a call per child, or per item that
    /// names none). A batch of 100 children with every call started at once puts 100 grain turns, and all their
    /// continuations, in the thread pool's queue; with 64 devices syncing, a person's read of a family waited behind
    /// 6,400 of them (0.25-0.6 s at the median, up to 1.3 s). With 16 it waited 0.08-0.12 s, and the batches' own rate
    /// did not change: 64 batches still keep about 1,000 writes in flight, plenty for the journal's group commits
    /// (docs/benchmarks.md, thirteenth round).
    /// </summary>
    public int BatchCallsInFlight { get; set; } = 16;
}

/// <summary>Recording contact events from frontline apps, one at a time or in batches from offline devices.</summary>
public sealed class ContactOperations(IGrainFactory grains, TimeProvider time, ProgrammeCalendar calendar, BatchRoutingOptions options, ILogger<ContactOperations> logger)
{
    private readonly ParallelOptions routing = new() { MaxDegreeOfParallelism = options.BatchCallsInFlight };

    /// <summary>Checks a posted event and records it with the grain it concerns.</summary>
    public async Task<OperationResult<ContactReceipt>> RecordAsync(Caller caller, JsonElement wire)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var recorder = RecorderOf(caller);
        if (!recorder.IsOk)
        {
            return recorder.As<ContactReceipt>();
        }

        var parsed = Parse(caller, wire, recorder.Value!, time.GetUtcNow(), calendar);
        if (parsed.Errors.Count > 0)
        {
            return OperationResult<ContactReceipt>.Invalid(parsed.Errors);
        }

        var result = await GrainCalls.RunAsync(caller, logger, () => RouteAsync(caller, parsed.Event!));
        if (result is { IsOk: true, Value.Status: ReceiptStatus.Rejected } rejected)
        {
            return OperationResult<ContactReceipt>.Invalid(rejected.Value.Errors);
        }

        return result;
    }

    /// <summary>
    /// Records what it can: each bad item gets a rejected receipt with its errors and the good ones are
    /// recorded, so one bad form on a device never holds back the rest of its queue.
    /// </summary>
    /// <param name="body">A JSON array of events, or <c>{"events": [...]}</c>.</param>
    public async Task<OperationResult<IReadOnlyList<BatchReceipt>>> RecordBatchAsync(Caller caller, JsonElement body)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var recorder = RecorderOf(caller);
        if (!recorder.IsOk)
        {
            return recorder.As<IReadOnlyList<BatchReceipt>>();
        }

        JsonElement items;
        if (body.ValueKind == JsonValueKind.Array)
        {
            items = body;
        }
        else if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array)
        {
            items = events;
        }
        else
        {
            return OperationResult<IReadOnlyList<BatchReceipt>>.Invalid("events", "must be an array of contact events (or the body itself an array)");
        }

        var count = items.GetArrayLength();
        if (count == 0)
        {
            return OperationResult<IReadOnlyList<BatchReceipt>>.Invalid("events", "must hold at least one event");
        }

        if (count > ApiLimits.MaxBatchItems)
        {
            return OperationResult<IReadOnlyList<BatchReceipt>>.Invalid("events", $"holds {count} events; a batch holds at most {ApiLimits.MaxBatchItems}");
        }

        var receivedAt = time.GetUtcNow();
        var receipts = new BatchReceipt[count];
        var parsed = new List<(int Index, ContactEvent Event)>(count);
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            var result = Parse(caller, item, recorder.Value!, receivedAt, calendar);
            if (result.Errors.Count > 0)
            {
                receipts[index] = new BatchReceipt(index, ContactReceipt.Rejected(EventIdOf(item), result.Errors));
            }
            else
            {
                parsed.Add((index, result.Event!));
            }

            index++;
        }

        // A repeat of an event id earlier in the batch is not sent: items for one family or one champion are recorded in
        // parallel, so the copies would race and either could come back accepted. The first in batch order is recorded,
        // and each repeat answers with its receipt, as a later retry would.
        var repeats = WithoutRepeats(parsed);

        var recorded = await GrainCalls.RunAsync(caller, logger, async () =>
        {
            var results = new OperationResult<ContactReceipt>[parsed.Count];
            await Parallel.ForEachAsync(RouteBatch(caller, parsed, results), routing, static (route, _) => new ValueTask(route()));
            return OperationResult<OperationResult<ContactReceipt>[]>.Ok(results);
        });
        if (!recorded.IsOk)
        {
            // Whatever was recorded stays recorded; a retry of the whole batch answers "duplicate" for it.
            return recorded.As<IReadOnlyList<BatchReceipt>>();
        }

        for (var i = 0; i < parsed.Count; i++)
        {
            var (itemIndex, contact) = parsed[i];
            var routed = recorded.Value![i];
            receipts[itemIndex] = new BatchReceipt(itemIndex, Answered(contact, routed));
        }

        // A copy is answered as a later retry would be, in batch order. The first's event again answers as the first did (a
        // duplicate of it, or its rejection). Another event under an id the first was recorded or found under is refused,
        // as the device would otherwise drop it as recorded. Only when the first was refused (the id held by another of the
        // device's events, say) does another event under its id go to its grain, now that nothing else of the batch races it.
        foreach (var (itemIndex, copy, firstIndex, firstEvent) in repeats)
        {
            var first = receipts[firstIndex].Receipt;
            ContactReceipt receipt;
            if (copy.IsRepeatOf(firstEvent))
            {
                receipt = first.Status == ReceiptStatus.Rejected ? first : first with { Status = ReceiptStatus.Duplicate };
            }
            else if (first.Status != ReceiptStatus.Rejected)
            {
                receipt = ContactReceipt.NotTheSameEvent(copy);
            }
            else
            {
                var routed = await GrainCalls.RunAsync(caller, logger, () => RouteAsync(caller, copy));
                if (routed.Status == OperationStatus.Unavailable)
                {
                    return routed.As<IReadOnlyList<BatchReceipt>>();
                }

                receipt = Answered(copy, routed);
            }

            receipts[itemIndex] = new BatchReceipt(itemIndex, receipt);
        }

        return OperationResult<IReadOnlyList<BatchReceipt>>.Ok(receipts);
    }

    /// <summary>An item's receipt from what its grain call gave.</summary>
    private static ContactReceipt Answered(ContactEvent contact, OperationResult<ContactReceipt> routed) =>
        routed.IsOk
            ? routed.Value!
            : ContactReceipt.Rejected(contact.EventId, routed.Errors.Count > 0 ? routed.Errors : [new FieldProblem("$", routed.Detail ?? "not recorded")]);

    /// <summary>
    /// Takes out of <paramref name="parsed"/> every item whose event id an earlier item holds; answers each one taken out
    /// with its event, and the batch index and event of that earlier item.
    /// </summary>
    private static List<(int Index, ContactEvent Copy, int FirstIndex, ContactEvent First)> WithoutRepeats(List<(int Index, ContactEvent Event)> parsed)
    {
        var repeats = new List<(int Index, ContactEvent Copy, int FirstIndex, ContactEvent First)>();
        var first = new Dictionary<string, (int Index, ContactEvent Event)>(parsed.Count, StringComparer.Ordinal);
        parsed.RemoveAll(item =>
        {
            if (first.TryAdd(item.Event.EventId, item))
            {
                return false;
            }

            var earlier = first[item.Event.EventId];
            repeats.Add((item.Index, item.Event, earlier.Index, earlier.Event));
            return true;
        });
        return repeats;
    }

    /// <summary>
    /// The recorder is who the token says the caller is bound to; a body can never name it.
    /// Early intervention practitioners record level decisions for their team; each decision also names the practitioner
    /// who made it, the token's subject (<see cref="ContactEvent.Practitioner"/>), which receipts do not go by.
    /// </summary>
    public static OperationResult<string> RecorderOf(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return (caller.Service, caller.Champion) switch
        {
            ({ } service, null) => OperationResult<string>.Ok("service:" + service),
            (null, { } champion) => OperationResult<string>.Ok("champion:" + champion),
            ({ }, { }) => OperationResult<string>.Fail(OperationStatus.Forbidden, "The token names both a service and a champion; a frontline token is bound to exactly one."),
            _ when caller.Role == Auth.QpRoles.EarlyIntervention => OperationResult<string>.Ok("service:early-intervention"),
            _ => OperationResult<string>.Fail(OperationStatus.Forbidden, "The token is bound to no service or champion, so it cannot record events."),
        };
    }

    private static ParseResultWithProblems Parse(Caller caller, JsonElement wire, string recorder, DateTimeOffset receivedAt, ProgrammeCalendar calendar)
    {
        // A level decision posted as a contact names the person whose token posted it, as one set through the level endpoint does.
        var result = EventCatalogue.Parse(wire, recorder, receivedAt, calendar, practitioner: caller.UserId, practitionerNames: caller.Names);
        if (!result.IsValid)
        {
            return new(null, result.Errors.Select(e => new FieldProblem(e.Field, e.Message)).ToArray());
        }

        // A champion records only as themself: the champion an event credits must be the caller.
        var credited = result.Event!.Data switch
        {
            ChampionOutreach outreach => outreach.ChampionId,
            SurveyCompleted survey => survey.ChampionId,
            DropInHosted dropIn => dropIn.ChampionId,
            _ => null,
        };
        if (caller.Champion is { } champion && credited is not null && !string.Equals(credited, champion, StringComparison.Ordinal))
        {
            return new(null, [new FieldProblem("data.championId", $"must be your own champion id '{champion}'")]);
        }

        return new(result.Event, []);
    }

    /// <summary>
    /// One call per child: grains for different children work in parallel (up to <see cref="BatchRoutingOptions.BatchCallsInFlight"/>
    /// at once), and each grain orders its own. A child's items go to it in one call, in batch order, so they cost one
    /// message, one commit and one family notice.
    /// </summary>
    private IEnumerable<Func<Task>> RouteBatch(Caller caller, List<(int Index, ContactEvent Event)> parsed, OperationResult<ContactReceipt>[] results)
    {
        var byChild = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < parsed.Count; i++)
        {
            if (parsed[i].Event.ChildId is { } childId)
            {
                if (!byChild.TryGetValue(childId, out var items))
                {
                    byChild[childId] = items = [];
                }

                items.Add(i);
            }
            else
            {
                var at = i;
                yield return () => RouteOneAsync(at);
            }
        }

        foreach (var (childId, items) in byChild)
        {
            yield return items.Count == 1 ? () => RouteOneAsync(items[0]) : () => RouteChildAsync(childId, items);
        }

        async Task RouteOneAsync(int i) => results[i] = await RouteAsync(caller, parsed[i].Event);

        async Task RouteChildAsync(string childId, List<int> items)
        {
            var receipts = await grains.For<IChildGrain>(childId).RecordAllAsync(items.ConvertAll(i => parsed[i].Event).ToArray());
            for (var k = 0; k < items.Count; k++)
            {
                results[items[k]] = OperationResult<ContactReceipt>.Ok(receipts[k]);
            }
        }
    }

    private async Task<OperationResult<ContactReceipt>> RouteAsync(Caller caller, ContactEvent contact)
    {
        if (contact.ChildId is { } childId)
        {
            return OperationResult<ContactReceipt>.Ok(await grains.For<IChildGrain>(childId).RecordAsync(contact));
        }

        if (contact.FamilyId is { } familyId)
        {
            return OperationResult<ContactReceipt>.Ok(await grains.For<IFamilyGrain>(familyId).RecordAsync(contact));
        }

        // A drop-in as a whole concerns no family: its champion keeps it, or the service that hosted it.
        var championId = (contact.Data as DropInHosted)?.ChampionId ?? caller.Champion;
        if (championId is null)
        {
            if (caller.Service is { } service)
            {
                return OperationResult<ContactReceipt>.Ok(await grains.For<IServiceGrain>(service).RecordAsync(contact));
            }

            return OperationResult<ContactReceipt>.Fail(OperationStatus.Unprocessable,
                "A drop-in needs data.championId or a service caller.");
        }

        return OperationResult<ContactReceipt>.Ok(await grains.For<IChampionGrain>(championId).RecordAsync(contact));
    }

    private static string EventIdOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("eventId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString() ?? ""
            : "";

    private sealed record ParseResultWithProblems(ContactEvent? Event, IReadOnlyList<FieldProblem> Errors);
}
