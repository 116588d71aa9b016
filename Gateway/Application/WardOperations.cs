using System.Globalization;
using QpActors.Domain.Events;
using QpActors.Gateway.Auth;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Application;

/// <summary>Ward views: worklists and unreached infants (identifiable, in the caller's own wards), figures (aggregates), live updates.</summary>
public sealed class WardOperations(IGrainFactory grains, IFiguresPublisher publisher, IUpdateFeed feed, LiveStreamLimits streams, TimeProvider time, ILogger<WardOperations> logger)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = WorklistQuery.MaxPageSize;
    public const string DefaultPeriod = "rolling-12-months";
    public const string DefaultScenario = "default";

    /// <summary>The longest delay a timer takes (<see cref="CancellationTokenSource(TimeSpan, TimeProvider)"/>).</summary>
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static IReadOnlyList<string> Periods { get; } = ["month", "quarter", "rolling-12-months"];

    /// <summary>Families in one of the caller's wards ranked by need, filtered and paged.</summary>
    /// <param name="awaitingDecision">Only families whose suggested level is above the level set (or above universal, none set), or only the others.</param>
    /// <param name="changedSince">Only families whose score or suggested level changed at or after this instant.</param>
    public async Task<OperationResult<WorklistPage>> GetWorklistAsync(
        Caller caller, string? ward, string? level, bool? overdueReview, string? concern, int? page, int? pageSize, bool? awaitingDecision = null, DateTimeOffset? changedSince = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        CheckWorklist(ward, level, concern, page, pageSize, errors);
        if (errors.Count > 0)
        {
            return OperationResult<WorklistPage>.Invalid(errors);
        }

        if (OutsideWards(caller, ward!) is { } refused)
        {
            return refused.As<WorklistPage>();
        }

        var query = new WorklistQuery(level, overdueReview, concern, page ?? 1, pageSize ?? DefaultPageSize, awaitingDecision, changedSince);
        return await GrainCalls.RunAsync(caller, logger, () => grains.For<IWardGrain>(ward!).GetWorklistAsync(query));
    }

    /// <summary>
    /// The rules of a worklist query, for the values given (null: not given, or not parsed). The HTTP adapter also runs
    /// them beside its own parse errors, so one answer names every wrong value.
    /// </summary>
    public static void CheckWorklist(string? ward, string? level, string? concern, int? page, int? pageSize, List<FieldProblem> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        CheckWard(ward, "ward", errors);
        if (level is not null && !WireName.TryParse<ServiceLevel>(level, out _))
        {
            errors.Add(new FieldProblem("level", "must be one of " + string.Join(", ", WireName.All<ServiceLevel>())));
        }

        if (concern is not null && !WireName.TryParse<Concern>(concern, out _))
        {
            errors.Add(new FieldProblem("concern", "must be one of " + string.Join(", ", WireName.All<Concern>())));
        }

        if (page is < 1)
        {
            errors.Add(new FieldProblem("page", "must be 1 or more"));
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors.Add(new FieldProblem("pageSize", $"must be 1-{MaxPageSize}"));
        }
    }

    /// <summary>Infants in one of the caller's wards known from birth records but not yet reached.</summary>
    public async Task<OperationResult<IReadOnlyList<UnreachedInfant>>> GetUnreachedAsync(Caller caller, string? wardCode)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        CheckWard(wardCode, "wardCode", errors);
        if (errors.Count > 0)
        {
            return OperationResult<IReadOnlyList<UnreachedInfant>>.Invalid(errors);
        }

        var allowed = caller.Role == QpRoles.EarlyIntervention || (caller.Role == QpRoles.Frontline && caller.Champion is not null);
        if (!allowed)
        {
            return OperationResult<IReadOnlyList<UnreachedInfant>>.Fail(OperationStatus.Forbidden, "Only champions and the early intervention team see unreached infants.");
        }

        if (OutsideWards(caller, wardCode!) is { } refused)
        {
            return refused.As<IReadOnlyList<UnreachedInfant>>();
        }

        return await GrainCalls.RunAsync(caller, logger, () => grains.For<IWardGrain>(wardCode!).GetUnreachedAsync());
    }

    /// <summary>A ward's figures, published through the small-number rule.</summary>
    public async Task<OperationResult<PublishedFigures>> GetWardFiguresAsync(Caller caller, string? wardCode, string? period, string? asOf, string? scenario)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        CheckWard(wardCode, "wardCode", errors);
        var query = FiguresQueryOf(period, asOf, scenario, errors);
        return await WardFiguresAsync(caller, wardCode, query, errors);
    }

    /// <summary>
    /// A what-if on a ward's figures: the same document as <see cref="GetWardFiguresAsync"/>, published through the same
    /// small-number rule, with the posted cost-benefit overrides applied on top of the scenario for this request alone and
    /// the savings marked <c>overridden</c>. Nothing is stored. Overrides change money only (docs/design.md, "What-if figures").
    /// </summary>
    public async Task<OperationResult<PublishedFigures>> WhatIfWardFiguresAsync(Caller caller, string? wardCode, FiguresWhatIf whatIf)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(whatIf);
        var errors = new List<FieldProblem>();
        var query = CheckWhatIf(wardCode, "wardCode", whatIf, errors);
        return errors.Count > 0
            ? await InvalidWhatIfAsync(caller, query, errors)
            : await WardFiguresAsync(caller, wardCode, query, errors);
    }

    /// <summary>A what-if on an area's figures, as <see cref="WhatIfWardFiguresAsync"/> is on a ward's.</summary>
    public async Task<OperationResult<PublishedFigures>> WhatIfAreaFiguresAsync(Caller caller, string? areaId, FiguresWhatIf whatIf)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(whatIf);
        var errors = new List<FieldProblem>();
        var query = CheckWhatIf(areaId, "areaId", whatIf, errors);
        return errors.Count > 0
            ? await InvalidWhatIfAsync(caller, query, errors)
            : await AreaFiguresAsync(caller, areaId, query, errors);
    }

    /// <summary>
    /// A what-if refused for its own fields (or its body's shape) answers the overrides' and the scenario's errors too: the
    /// silo checks them against its assumptions, so a caller who mends what was named is not then told of the rest.
    /// Fields already named are not named twice; if the silo cannot be asked, the errors known are the answer.
    /// </summary>
    private async Task<OperationResult<PublishedFigures>> InvalidWhatIfAsync(Caller caller, FiguresQuery query, List<FieldProblem> errors)
    {
        var named = errors.Select(e => e.Field).ToHashSet(StringComparer.Ordinal);
        var checkScenario = !named.Contains("scenario");
        var checkOverrides = query.Overrides is not null && !named.Contains("overrides");
        if (checkScenario || checkOverrides)
        {
            var checkedBySilo = await GrainCalls.RunAsync(caller, logger, () =>
                grains.GetGrain<ICostBenefitGrain>(0).CheckWhatIfAsync(query.Scenario, checkOverrides ? query.Overrides : null));
            if (checkedBySilo.IsOk)
            {
                errors.AddRange(checkedBySilo.Value!.Where(p => !named.Contains(p.Field)));
            }
        }

        return OperationResult<PublishedFigures>.Invalid(errors);
    }

    /// <summary>A ward's figures for a checked query (the GET's or a what-if's), published with its neighbours.</summary>
    private async Task<OperationResult<PublishedFigures>> WardFiguresAsync(Caller caller, string? wardCode, FiguresQuery query, List<FieldProblem> errors)
    {
        if (errors.Count > 0)
        {
            return OperationResult<PublishedFigures>.Invalid(errors);
        }

        return await GrainCalls.RunAsync(caller, logger, () => FiguresAsync(async () =>
        {
            var figures = await grains.For<IWardGrain>(wardCode!).GetFiguresAsync(query);
            return Publish(wardCode!, figures.AsOf, figures.Period, figures.Document, figures.NeighbourDocuments);
        }));
    }

    /// <summary>An area's figures for a checked query (the GET's or a what-if's), published with its wards.</summary>
    private async Task<OperationResult<PublishedFigures>> AreaFiguresAsync(Caller caller, string? areaId, FiguresQuery query, List<FieldProblem> errors)
    {
        if (errors.Count > 0)
        {
            return OperationResult<PublishedFigures>.Invalid(errors);
        }

        return await GrainCalls.RunAsync(caller, logger, () => FiguresAsync(async () =>
        {
            var figures = await grains.For<IAreaGrain>(areaId!).GetFiguresAsync(query);
            return Publish(areaId!, figures.AsOf, figures.Period, figures.Document, figures.WardDocuments);
        }));
    }

    /// <summary>
    /// The cost-benefit assumptions in force, as JSON in the data file's shape (the paths a what-if's overrides name). They
    /// describe the model, not anyone's records: nothing to audit or suppress.
    /// </summary>
    public Task<OperationResult<string>> GetCostBenefitAssumptionsAsync(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return GrainCalls.RunAsync(caller, logger, () => grains.GetGrain<ICostBenefitGrain>(0).GetAssumptionsAsync());
    }

    /// <summary>
    /// A ward's monthly snapshots, each published through the small-number rule together with the same
    /// month of its neighbours, exactly as live figures are: trends never reveal what a month hides.
    /// </summary>
    public async Task<OperationResult<IReadOnlyList<PublishedFigures>>> GetWardHistoryAsync(Caller caller, string? wardCode)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        CheckWard(wardCode, "wardCode", errors);
        if (errors.Count > 0)
        {
            return OperationResult<IReadOnlyList<PublishedFigures>>.Invalid(errors);
        }

        return await GrainCalls.RunAsync(caller, logger, async () =>
        {
            var months = await grains.For<IWardGrain>(wardCode!).GetPublishableHistoryAsync();

            // A ward keeps a month only while it is known, so only an empty history can belong to an unknown ward.
            if (months.Count == 0 && await UnknownWardAsync(wardCode!) is { } unknown)
            {
                return unknown.As<IReadOnlyList<PublishedFigures>>();
            }

            return PublishMonths(wardCode!, months);
        });
    }

    /// <summary>
    /// Not found when the ward is neither configured nor holds records, by the ward grain's own rule for its figures (so the
    /// figures, their history and the figures stream agree); null when it is known. Asks for the figures the stream reads, which
    /// the ward keeps until they change.
    /// </summary>
    private async Task<OperationResult<bool>?> UnknownWardAsync(string wardCode)
    {
        try
        {
            await grains.For<IWardGrain>(wardCode).GetOwnFiguresAsync(new FiguresQuery(DefaultPeriod, null, DefaultScenario));
            return null;
        }
        catch (FiguresNotFoundException ex)
        {
            return OperationResult<bool>.Fail(OperationStatus.NotFound, ex.Message);
        }
    }

    /// <summary>An area's monthly figures, each month published with that month's ward documents, as live area figures are.</summary>
    public async Task<OperationResult<IReadOnlyList<PublishedFigures>>> GetAreaHistoryAsync(Caller caller, string? areaId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        CheckWard(areaId, "areaId", errors);
        if (errors.Count > 0)
        {
            return OperationResult<IReadOnlyList<PublishedFigures>>.Invalid(errors);
        }

        return await GrainCalls.RunAsync(caller, logger, async () =>
        {
            IReadOnlyList<WardHistoryMonth> months;
            try
            {
                months = await grains.For<IAreaGrain>(areaId!).GetHistoryAsync();
            }
            catch (FiguresNotFoundException ex)
            {
                return OperationResult<IReadOnlyList<PublishedFigures>>.Fail(OperationStatus.NotFound, ex.Message);
            }

            return PublishMonths(areaId!, months);
        });
    }

    private OperationResult<IReadOnlyList<PublishedFigures>> PublishMonths(string key, IReadOnlyList<WardHistoryMonth> months)
    {
        var published = new List<PublishedFigures>(months.Count);
        foreach (var month in months)
        {
            if (publisher.Publish(month.Document, month.NeighbourDocuments) is not { } document)
            {
                return new OperationResult<IReadOnlyList<PublishedFigures>>(OperationStatus.Unavailable, null, $"The figures for {month.Month} cannot be published safely.", [], TimeSpan.FromSeconds(5));
            }

            published.Add(new PublishedFigures(key, month.TakenAt, month.Month, document));
        }

        return OperationResult<IReadOnlyList<PublishedFigures>>.Ok(published);
    }

    /// <summary>An area's figures (its configured wards together), published through the small-number rule.</summary>
    public async Task<OperationResult<PublishedFigures>> GetAreaFiguresAsync(Caller caller, string? areaId, string? period, string? asOf, string? scenario)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        CheckWard(areaId, "areaId", errors);
        var query = FiguresQueryOf(period, asOf, scenario, errors);
        return await AreaFiguresAsync(caller, areaId, query, errors);
    }

    /// <summary>
    /// Risk level changes in one of the caller's wards, live, within the caller's and the gateway's limits of open streams,
    /// until <paramref name="accessUntil"/> (the token's expiry: <see cref="Auth.CallerFactory.AccessUntil"/>).
    /// Nothing is read until the stream is enumerated; dispose it when it ends to give its place back.
    /// </summary>
    public OperationResult<LiveStream> StreamRiskChanges(Caller caller, DateTimeOffset accessUntil, string? ward, string? lastEventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        CheckWard(ward, "ward", errors);
        if (errors.Count > 0)
        {
            return OperationResult<LiveStream>.Invalid(errors);
        }

        if (OutsideWards(caller, ward!) is { } refused)
        {
            return refused.As<LiveStream>();
        }

        var place = streams.TryOpen(caller.UserId);
        if (!place.IsOk)
        {
            return place.As<LiveStream>();
        }

        var stream = new LiveStream(place.Value!);
        var updates = feed.SubscribeAsync(new FeedTopic(FeedKinds.Risk, ward!), lastEventId, cancellationToken);
        stream.Follow(AuditedAsync(caller, ward!, UntilAccessEndsAsync(updates, accessUntil, stream, cancellationToken), cancellationToken));
        return OperationResult<LiveStream>.Ok(stream);
    }

    /// <summary>
    /// Hands on each update only once the families it names are audited as shown to this subscriber (the feed reads the
    /// ward as the system, on nobody's behalf). If the audit cannot be written the stream ends; the client resumes
    /// from its last update id.
    /// </summary>
    private async IAsyncEnumerable<FeedUpdate> AuditedAsync(Caller caller, string ward, IAsyncEnumerable<FeedUpdate> updates,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var update in updates.WithCancellation(cancellationToken))
        {
            if (update.Keys is { Count: > 0 } keys)
            {
                var families = keys.Select(familyId => new ShownRecord(familyId, null)).ToArray();
                var shown = new RecordsShown("risk-stream-read", "live risk stream", families, $"ward {ward}, update {update.Id} ({update.Kind})");
                var audited = await GrainCalls.RunAsync(caller, logger, async () =>
                {
                    await grains.GetGrain<IAuditGrain>(0).RecordShownAsync(shown);
                    return true;
                });
                if (!audited.IsOk)
                {
                    yield break;
                }
            }

            yield return update;
        }
    }

    /// <summary>
    /// A known ward's published figures, live (the source publishes them through the small-number rule), within the caller's
    /// and the gateway's limits of open streams. The commission is not scoped to wards, so an unknown ward is refused here,
    /// before a poller would follow it. Dispose the stream when it ends to give its place back.
    /// </summary>
    public async Task<OperationResult<LiveStream>> StreamWardFiguresAsync(Caller caller, DateTimeOffset accessUntil, string? ward, string? lastEventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        CheckWard(ward, "ward", errors);
        if (errors.Count > 0)
        {
            return OperationResult<LiveStream>.Invalid(errors);
        }

        // The place first: it costs nothing, and a caller at its limit then makes no grain call either.
        var place = streams.TryOpen(caller.UserId);
        if (!place.IsOk)
        {
            return place.As<LiveStream>();
        }

        OperationResult<bool> known;
        try
        {
            known = await GrainCalls.RunAsync(caller, logger, async () => await UnknownWardAsync(ward!) ?? OperationResult<bool>.Ok(true));
        }
        catch
        {
            // No stream will be handed out to give the place back when it ends.
            place.Value!.Dispose();
            throw;
        }

        if (!known.IsOk)
        {
            place.Value!.Dispose();
            return known.As<LiveStream>();
        }

        var stream = new LiveStream(place.Value!);
        var updates = feed.SubscribeAsync(new FeedTopic(FeedKinds.Figures, ward!), lastEventId, cancellationToken);
        stream.Follow(UntilAccessEndsAsync(updates, accessUntil, stream, cancellationToken));
        return OperationResult<LiveStream>.Ok(stream);
    }

    /// <summary>
    /// A cancellation that comes when access ends (<paramref name="accessUntil"/>, a token's expiry), by the injected clock;
    /// null when it has ended already. Used by every stream that must not outlive the token that opened it.
    /// </summary>
    internal static CancellationTokenSource? CancelWhenAccessEnds(DateTimeOffset accessUntil, TimeProvider time)
    {
        var left = accessUntil - time.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            return null;
        }

        // A delay beyond what a timer takes (about 49 days) is no limit in practice: the token outlives any connection.
        return left < MaxTimerDelay ? new CancellationTokenSource(left, time) : new CancellationTokenSource();
    }

    /// <summary>
    /// Hands on updates until <paramref name="accessUntil"/>, then ends the stream and marks it
    /// <see cref="LiveStream.AccessExpired"/>. Access to a stream is decided once, when it opens, from the token presented,
    /// and a stream stays open for as long as its client likes: without an end, a token's holder would go on receiving
    /// records (each audited under its name) long after the token stopped being valid. An update ready at the instant
    /// access ends is not handed on either. Time is the injected clock's, as everywhere else.
    /// </summary>
    private async IAsyncEnumerable<FeedUpdate> UntilAccessEndsAsync(IAsyncEnumerable<FeedUpdate> updates, DateTimeOffset accessUntil, LiveStream stream,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var expiry = CancelWhenAccessEnds(accessUntil, time);
        if (expiry is null)
        {
            stream.AccessExpired = true;
            yield break;
        }

        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var pending = updates.GetAsyncEnumerator(either.Token);
        try
        {
            while (true)
            {
                bool more;
                var expired = false;
                try
                {
                    more = await pending.MoveNextAsync();
                }
                catch (OperationCanceledException) when (expiry.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    (more, expired) = (false, true);
                }

                // The timer may fire a hair before the wall clock reaches the expiry; either says access is over.
                if (expired || (more && time.GetUtcNow() >= accessUntil))
                {
                    stream.AccessExpired = true;
                    yield break;
                }

                if (!more)
                {
                    yield break;
                }

                yield return pending.Current;
            }
        }
        finally
        {
            await pending.DisposeAsync();
        }
    }

    /// <summary>The grains' figure errors are the client's (unknown ward, period or scenario), not the server's.</summary>
    private static async Task<OperationResult<PublishedFigures>> FiguresAsync(Func<Task<OperationResult<PublishedFigures>>> read)
    {
        try
        {
            return await read();
        }
        catch (FiguresNotFoundException ex)
        {
            return OperationResult<PublishedFigures>.Fail(OperationStatus.NotFound, ex.Message);
        }
        catch (FiguresQueryException ex)
        {
            return OperationResult<PublishedFigures>.Invalid(ex.Field.Length > 0 ? ex.Field : "query", ex.Message);
        }
        catch (CostBenefitOverridesException ex)
        {
            return OperationResult<PublishedFigures>.Invalid(ex.Errors, "The overrides cannot be applied; nothing was changed or stored.");
        }
    }

    /// <summary>
    /// The rules of a what-if, for the values given, beside what the transport found wrong with the body's shape, so one
    /// answer names every wrong field (the overrides' own fields are checked by the silo, against its assumptions).
    /// </summary>
    private static FiguresQuery CheckWhatIf(string? key, string keyField, FiguresWhatIf whatIf, List<FieldProblem> errors)
    {
        errors.AddRange(whatIf.BodyProblems);
        CheckWard(key, keyField, errors);
        var query = FiguresQueryOf(whatIf.Period, whatIf.AsOf, whatIf.Scenario, errors);
        if (whatIf.Overrides is null && !errors.Any(e => e.Field == "overrides"))
        {
            errors.Add(new FieldProblem("overrides", "is required: a JSON object of assumptions to change ({} changes none)"));
        }

        return query with { Overrides = whatIf.Overrides };
    }

    private OperationResult<PublishedFigures> Publish(string key, DateTimeOffset asOf, string period, string raw, IReadOnlyList<string>? neighbours) =>
        publisher.Publish(raw, neighbours) is { } published
            ? OperationResult<PublishedFigures>.Ok(new PublishedFigures(key, asOf, period, published))
            : new OperationResult<PublishedFigures>(OperationStatus.Unavailable, null, "The figures cannot be published safely just now (inconsistent counts); try again shortly.", [], TimeSpan.FromSeconds(5));

    private static FiguresQuery FiguresQueryOf(string? period, string? asOf, string? scenario, List<FieldProblem> errors)
    {
        if (period is not null && !Periods.Contains(period))
        {
            errors.Add(new FieldProblem("period", "must be one of " + string.Join(", ", Periods)));
        }

        DateOnly? date = null;
        if (asOf is not null)
        {
            if (DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                date = parsed;
            }
            else
            {
                errors.Add(new FieldProblem("asOf", "must be a date as yyyy-MM-dd"));
            }
        }

        if (scenario is not null && !Identifiers.IsCode(scenario))
        {
            errors.Add(new FieldProblem("scenario", "must be a lower-case kebab-case scenario name"));
        }

        return new FiguresQuery(period ?? DefaultPeriod, date, scenario ?? DefaultScenario);
    }

    private static void CheckWard(string? code, string field, List<FieldProblem> errors)
    {
        if (string.IsNullOrEmpty(code))
        {
            errors.Add(new FieldProblem(field, "is required"));
        }
        else if (!Identifiers.IsCode(code))
        {
            errors.Add(new FieldProblem(field, "must be a lower-case kebab-case code such as queens-park"));
        }
    }

    private static OperationResult<bool>? OutsideWards(Caller caller, string ward) =>
        caller.Wards.Contains(ward, StringComparer.Ordinal)
            ? null
            : OperationResult<bool>.Fail(OperationStatus.Forbidden, $"Ward '{ward}' is not one of your wards.");
}

/// <summary>
/// A what-if's request, as either transport received it: the GET's period, asOf and scenario (null: not given), and the
/// overrides as the text of a JSON object (null: not given, which is an error).
/// </summary>
public sealed record FiguresWhatIf(string? Period, string? AsOf, string? Scenario, string? Overrides)
{
    /// <summary>
    /// What the transport found wrong with the body's shape (a field that is not a what-if's, a value of the wrong JSON
    /// type), answered with the operation's own errors in one refusal.
    /// </summary>
    public IReadOnlyList<FieldProblem> BodyProblems { get; init; } = [];
}

/// <summary>Figures as they may be published: <c>Document</c> is JSON with the documented key names.</summary>
public sealed record PublishedFigures(string Key, DateTimeOffset AsOf, string Period, string Document);
