using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using QpActors.Gateway.Application;
using QpActors.Gateway.Auth;
using QpActors.Gateway.Http;
using V1 = QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Grpc;

/// <summary>gRPC twin of the contacts endpoints; the same operations as HTTP.</summary>
[Authorize(Policy = QpPolicies.Frontline)]
[EnableRateLimiting(ApiEndpoints.WritesLimiter)]
public sealed class ContactsGrpcService(ContactOperations contacts) : V1.ContactsService.ContactsServiceBase
{
    public override async Task<V1.Receipt> Record(V1.ContactEvent request, ServerCallContext context)
    {
        using var wire = ProtoMapping.ToWire(request);
        var result = await contacts.RecordAsync(GrpcErrors.CallerOf(context), wire.RootElement);
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }

    [EnableRateLimiting(ApiEndpoints.BatchesLimiter)]
    public override async Task<V1.BatchReceipts> RecordBatch(V1.ContactBatch request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var wire = ProtoMapping.ToWire(request.Events);
        var result = await contacts.RecordBatchAsync(GrpcErrors.CallerOf(context), wire.RootElement);
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }
}

/// <summary>gRPC twin of the family endpoints; bound by <see cref="FamiliesServiceBinding"/>, so the risk read sends bytes encoded once per view.</summary>
[Authorize(Policy = QpPolicies.EarlyIntervention)]
public sealed class FamiliesGrpcService(FamilyOperations families) : FamiliesServiceBinding
{
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<RiskStatusReply> GetRiskStatus(V1.RiskStatusRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await families.GetRiskStatusAsync(GrpcErrors.CallerOf(context), request.FamilyId, request.HasBreakGlassReason ? request.BreakGlassReason : null);
        return RiskStatusReply.For(GrpcErrors.ValueOrThrow(result));
    }

    [EnableRateLimiting(ApiEndpoints.WritesLimiter)]
    public override async Task<V1.Receipt> SetLevel(V1.SetLevelRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await families.SetLevelAsync(
            GrpcErrors.CallerOf(context),
            request.FamilyId,
            request.EventId.Length > 0 ? request.EventId : null,
            request.Level.Length > 0 ? request.Level : null,
            request.Reason.Length > 0 ? request.Reason : null);
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }
}

/// <summary>gRPC twin of the ward endpoints and the live streams; each method names its policy.</summary>
public sealed class WardsGrpcService(WardOperations wards) : V1.WardsService.WardsServiceBase
{
    [Authorize(Policy = QpPolicies.EarlyIntervention)]
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.WorklistPage> GetWorklist(V1.WorklistRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var level = request.HasLevel ? request.Level : null;
        var concern = request.HasConcern ? request.Concern : null;
        int? page = request.Page == 0 ? null : request.Page;
        int? pageSize = request.PageSize == 0 ? null : request.PageSize;
        var errors = new List<Grains.Interfaces.FieldProblem>();
        var changedSince = ProtoMapping.Instant(request.ChangedSince, "changedSince", errors);
        if (errors.Count > 0)
        {
            // The query's own rules beside the timestamp that is none, so one answer names every wrong value.
            WardOperations.CheckWorklist(request.Ward, level, concern, page, pageSize, errors);
            throw GrpcErrors.ToRpcException(OperationResult<V1.WorklistPage>.Invalid(errors));
        }

        var result = await wards.GetWorklistAsync(
            GrpcErrors.CallerOf(context),
            request.Ward,
            level,
            request.HasOverdueReview ? request.OverdueReview : null,
            concern,
            page,
            pageSize,
            request.HasAwaitingDecision ? request.AwaitingDecision : null,
            changedSince);
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }

    [Authorize(Policy = QpPolicies.Outreach)]
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.UnreachedList> GetUnreached(V1.UnreachedRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await wards.GetUnreachedAsync(GrpcErrors.CallerOf(context), request.WardCode);
        return ProtoMapping.ToProto(request.WardCode, GrpcErrors.ValueOrThrow(result));
    }

    [Authorize(Policy = QpPolicies.Commission)]
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.Figures> GetWardFigures(V1.WardFiguresRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await wards.GetWardFiguresAsync(GrpcErrors.CallerOf(context), request.WardCode, Optional(request.Period), Optional(request.AsOf), Optional(request.Scenario));
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }

    [Authorize(Policy = QpPolicies.Commission)]
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.Figures> GetAreaFigures(V1.AreaFiguresRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await wards.GetAreaFiguresAsync(GrpcErrors.CallerOf(context), request.AreaId, Optional(request.Period), Optional(request.AsOf), Optional(request.Scenario));
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }

    [Authorize(Policy = QpPolicies.Commission)]
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.FiguresHistory> GetWardFiguresHistory(V1.WardFiguresHistoryRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await wards.GetWardHistoryAsync(GrpcErrors.CallerOf(context), request.WardCode);
        return ProtoMapping.ToProto(request.WardCode, GrpcErrors.ValueOrThrow(result));
    }

    [Authorize(Policy = QpPolicies.Commission)]
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.FiguresHistory> GetAreaFiguresHistory(V1.AreaFiguresHistoryRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await wards.GetAreaHistoryAsync(GrpcErrors.CallerOf(context), request.AreaId);
        return ProtoMapping.ToProto(request.AreaId, GrpcErrors.ValueOrThrow(result));
    }

    [Authorize(Policy = QpPolicies.Commission)]
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.Figures> WhatIfWardFigures(V1.WardFiguresWhatIfRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var whatIf = new FiguresWhatIf(Optional(request.Period), Optional(request.AsOf), Optional(request.Scenario), ProtoMapping.JsonOf(request.Overrides));
        var result = await wards.WhatIfWardFiguresAsync(GrpcErrors.CallerOf(context), request.WardCode, whatIf);
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }

    [Authorize(Policy = QpPolicies.Commission)]
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.Figures> WhatIfAreaFigures(V1.AreaFiguresWhatIfRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var whatIf = new FiguresWhatIf(Optional(request.Period), Optional(request.AsOf), Optional(request.Scenario), ProtoMapping.JsonOf(request.Overrides));
        var result = await wards.WhatIfAreaFiguresAsync(GrpcErrors.CallerOf(context), request.AreaId, whatIf);
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }

    [Authorize(Policy = QpPolicies.Commission)]
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.CostBenefitAssumptions> GetCostBenefitAssumptions(V1.CostBenefitAssumptionsRequest request, ServerCallContext context)
    {
        var result = await wards.GetCostBenefitAssumptionsAsync(GrpcErrors.CallerOf(context));
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }

    [Authorize(Policy = QpPolicies.EarlyIntervention)]
    public override async Task StreamRiskChanges(V1.StreamRequest request, IServerStreamWriter<V1.Update> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        using var stream = GrpcErrors.ValueOrThrow(wards.StreamRiskChanges(GrpcErrors.CallerOf(context), AccessUntil(context), request.Ward, Optional(request.LastEventId), context.CancellationToken));
        await PumpAsync(stream, responseStream, context.CancellationToken);
    }

    [Authorize(Policy = QpPolicies.Commission)]
    public override async Task StreamWardFigures(V1.StreamRequest request, IServerStreamWriter<V1.Update> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        using var stream = GrpcErrors.ValueOrThrow(await wards.StreamWardFiguresAsync(GrpcErrors.CallerOf(context), AccessUntil(context), request.Ward, Optional(request.LastEventId), context.CancellationToken));
        await PumpAsync(stream, responseStream, context.CancellationToken);
    }

    private static async Task PumpAsync(LiveStream live, IServerStreamWriter<V1.Update> stream, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var update in live.Updates.WithCancellation(cancellationToken))
            {
                await stream.WriteAsync(ProtoMapping.ToProto(update), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; the enumerator has released the subscription.
            return;
        }

        if (live.AccessExpired)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The token that opened this stream has expired; open it again with a new token."));
        }
    }

    private static DateTimeOffset AccessUntil(ServerCallContext context) => CallerFactory.AccessUntil(context.GetHttpContext().User);

    private static string? Optional(string value) => value.Length > 0 ? value : null;
}

/// <summary>gRPC twin of the audit log query.</summary>
[Authorize(Policy = QpPolicies.Admin)]
public sealed class AuditGrpcService(AuditOperations audit) : V1.AuditService.AuditServiceBase
{
    [EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
    public override async Task<V1.AuditPage> Query(V1.AuditQueryRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var user = request.HasUser ? request.User : null;
        var family = request.HasFamily ? request.Family : null;
        int? page = request.Page == 0 ? null : request.Page;
        int? pageSize = request.PageSize == 0 ? null : request.PageSize;
        var errors = new List<Grains.Interfaces.FieldProblem>();
        var from = ProtoMapping.Instant(request.From, "from", errors);
        var to = ProtoMapping.Instant(request.To, "to", errors);
        if (errors.Count > 0)
        {
            // The query's own rules beside the timestamps that are none, so one answer names every wrong value.
            AuditOperations.Check(user, family, from, to, page, pageSize, errors);
            throw GrpcErrors.ToRpcException(OperationResult<V1.AuditPage>.Invalid(errors));
        }

        var result = await audit.QueryAsync(GrpcErrors.CallerOf(context), user, family, from, to, page, pageSize);
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }
}

/// <summary>gRPC twin of the champion and service summaries: the same operations as HTTP.</summary>
[Authorize(Policy = QpPolicies.Frontline)]
[EnableRateLimiting(ApiEndpoints.ReadsLimiter)]
public sealed class SummariesGrpcService(SummaryOperations summaries) : V1.SummariesService.SummariesServiceBase
{
    public override async Task<V1.ChampionSummary> GetChampionSummary(V1.ChampionSummaryRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await summaries.GetChampionSummaryAsync(GrpcErrors.CallerOf(context), request.ChampionId);
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }

    public override async Task<V1.ServiceSummary> GetServiceSummary(V1.ServiceSummaryRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await summaries.GetServiceSummaryAsync(GrpcErrors.CallerOf(context), request.ServiceId);
        return ProtoMapping.ToProto(GrpcErrors.ValueOrThrow(result));
    }
}
