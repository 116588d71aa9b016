using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A champion and a service read their own tallies over HTTP and gRPC against the real silo: what they recorded shows, a
/// family the champion signposted and the centre then reached shows as signposted-then-reached, another token's read is
/// refused as an unknown id is, one that has recorded nothing reads zeros without its grain being activated, and a bad id
/// is refused naming the field.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class SummaryApiTests(GatewayFixture gateway)
{
    private static readonly DateTimeOffset TwoHoursAgo = DateTimeOffset.UtcNow.AddHours(-2);

    [Fact]
    public async Task A_champion_sees_a_family_it_signposted_reached_by_the_centre_on_both_transports()
    {
        var (ward, family, child, championId) = (Ids.Ward(), Ids.Family(), Ids.Child(), "ch-" + Ids.Short());
        var champion = TestCaller.ChampionOf(championId, ward);
        var centre = TestCaller.ServiceWorker("childrens-centre");
        await PostAsync(centre, TestEvents.FamilyRegistered(family, ward));
        await PostAsync(centre, TestEvents.BirthNotified(family, child, ward));
        await PostAsync(champion, TestEvents.Event(null, "champion-outreach", family, null,
            new JsonObject { ["championId"] = championId, ["signpostedTo"] = "childrens-centre" }, TwoHoursAgo));
        await gateway.DrainAsync();
        var before = await ReadAsync($"/v1/champions/{championId}/summary", champion);

        await PostAsync(centre, TestEvents.Event(null, "centre-registered", family, child, [], TwoHoursAgo.AddHours(1)));
        await gateway.DrainAsync();
        var after = await ReadAsync($"/v1/champions/{championId}/summary", champion);
        var overGrpc = await Summaries().GetChampionSummaryAsync(new ChampionSummaryRequest { ChampionId = championId }, gateway.GrpcHeaders(champion));

        Assert.Equal(0, before.GetProperty("signpostedThenReached").GetInt32());
        Assert.Equal(championId, after.GetProperty("championId").GetString());
        Assert.Equal(1, after.GetProperty("outreachContacts").GetInt32());
        Assert.Equal(1, after.GetProperty("familiesSignposted").GetInt32());
        Assert.Equal(1, after.GetProperty("signpostedByService").GetProperty("childrens-centre").GetInt32());
        Assert.Equal(1, after.GetProperty("signpostedThenReached").GetInt32());
        Assert.Equal(0, after.GetProperty("surveysRun").GetInt32());
        Assert.Equal(0, after.GetProperty("dropInsHosted").GetInt32());
        Assert.Equal(1, after.GetProperty("version").GetInt64());
        SameOnBothTransports.AssertSame(after, overGrpc);
    }

    [Fact]
    public async Task A_service_sees_its_contacts_and_missed_appointments_on_both_transports()
    {
        var (ward, family, child, serviceId) = (Ids.Ward(), Ids.Family(), Ids.Child(), "svc-" + Ids.Short());
        var service = TestCaller.ServiceWorker(serviceId);
        await PostAsync(service, TestEvents.FamilyRegistered(family, ward));
        await PostAsync(service, TestEvents.BirthNotified(family, child, ward));
        await PostAsync(service, TestEvents.Event(null, "session-attended", family, child, new JsonObject { ["session"] = "stay-and-play" }));
        await PostAsync(service, TestEvents.Event(null, "review-completed", family, child, new JsonObject { ["review"] = "new-birth" }));
        await PostAsync(service, TestEvents.Event(null, "appointment-missed", family, child, new JsonObject { ["service"] = serviceId }));

        var summary = await ReadAsync($"/v1/services/{serviceId}/summary", service);
        var overGrpc = await Summaries().GetServiceSummaryAsync(new ServiceSummaryRequest { ServiceId = serviceId }, gateway.GrpcHeaders(service));

        Assert.Equal(serviceId, summary.GetProperty("serviceId").GetString());
        Assert.Equal(1, summary.GetProperty("activeChildren").GetInt32());
        Assert.Equal(1, summary.GetProperty("activeFamilies").GetInt32());
        Assert.Equal(
            ["appointment-missed:1", "birth-notified:1", "family-registered:1", "review-completed:1", "session-attended:1"],
            summary.GetProperty("contactsByType").EnumerateObject().Select(p => $"{p.Name}:{p.Value.GetInt32()}"));
        Assert.Equal(5, summary.GetProperty("contactsLast12Months").GetInt32());
        Assert.Equal(1, summary.GetProperty("missedAppointments").GetInt32());

        // Of the two appointments (the review and the one missed), one was missed: the session is no appointment.
        Assert.Equal(0.5, summary.GetProperty("missedAppointmentRate").GetDouble());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("averageSatisfaction").ValueKind);
        Assert.Equal(5, summary.GetProperty("version").GetInt64());
        SameOnBothTransports.AssertSame(summary, overGrpc);
    }

    [Fact]
    public async Task Another_champions_token_is_refused_as_an_unknown_champion_is_on_both_transports()
    {
        var (ward, family, championId) = (Ids.Ward(), Ids.Family(), "ch-" + Ids.Short());
        var champion = TestCaller.ChampionOf(championId, ward);
        await PostAsync(TestCaller.ServiceWorker("childrens-centre"), TestEvents.FamilyRegistered(family, ward));
        await PostAsync(champion, TestEvents.Event(null, "champion-outreach", family, null, new JsonObject { ["championId"] = championId }));
        var other = TestCaller.ChampionOf("ch-" + Ids.Short(), ward);
        var unknown = "ch-" + Ids.Short();

        var refused = await RefusedAsync($"/v1/champions/{championId}/summary", other);
        var refusedUnknown = await RefusedAsync($"/v1/champions/{unknown}/summary", other);
        var refusedService = await RefusedAsync($"/v1/champions/{championId}/summary", TestCaller.ServiceWorker("childrens-centre"));
        var overGrpc = await Assert.ThrowsAsync<RpcException>(() =>
            Summaries().GetChampionSummaryAsync(new ChampionSummaryRequest { ChampionId = championId }, gateway.GrpcHeaders(other)).ResponseAsync);
        var unknownOverGrpc = await Assert.ThrowsAsync<RpcException>(() =>
            Summaries().GetChampionSummaryAsync(new ChampionSummaryRequest { ChampionId = unknown }, gateway.GrpcHeaders(other)).ResponseAsync);

        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        Assert.Equal(refused.Status, refusedUnknown.Status);
        Assert.Equal(refused.Problem, refusedUnknown.Problem.Replace(unknown, championId, StringComparison.Ordinal));
        Assert.Equal(refused.Status, refusedService.Status);
        Assert.Equal(StatusCode.NotFound, overGrpc.StatusCode);
        Assert.Equal(overGrpc.Status.Detail, unknownOverGrpc.Status.Detail.Replace(unknown, championId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_services_token_is_refused_as_an_unknown_service_is()
    {
        var (ward, family, serviceId) = (Ids.Ward(), Ids.Family(), "svc-" + Ids.Short());
        await PostAsync(TestCaller.ServiceWorker(serviceId), TestEvents.FamilyRegistered(family, ward));
        var other = TestCaller.ServiceWorker("svc-" + Ids.Short());
        var unknown = "svc-" + Ids.Short();

        var refused = await RefusedAsync($"/v1/services/{serviceId}/summary", other);
        var refusedUnknown = await RefusedAsync($"/v1/services/{unknown}/summary", other);
        var overGrpc = await Assert.ThrowsAsync<RpcException>(() =>
            Summaries().GetServiceSummaryAsync(new ServiceSummaryRequest { ServiceId = serviceId }, gateway.GrpcHeaders(other)).ResponseAsync);

        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        Assert.Equal(refused.Status, refusedUnknown.Status);
        Assert.Equal(refused.Problem, refusedUnknown.Problem.Replace(unknown, serviceId, StringComparison.Ordinal));
        Assert.Equal(StatusCode.NotFound, overGrpc.StatusCode);
    }

    /// <summary>The grain that reads summaries checks the caller too, so a fault in the gateway still shows no one another's tallies.</summary>
    [Fact]
    public async Task The_reader_grain_itself_answers_only_the_champion_or_service_the_caller_is_bound_to()
    {
        var (ward, family, championId, serviceId) = (Ids.Ward(), Ids.Family(), "ch-" + Ids.Short(), "svc-" + Ids.Short());
        await PostAsync(TestCaller.ServiceWorker(serviceId), TestEvents.FamilyRegistered(family, ward));
        await PostAsync(TestCaller.ChampionOf(championId, ward), TestEvents.Event(null, "champion-outreach", family, null, new JsonObject { ["championId"] = championId }));
        var reader = Grains().GetGrain<ISummaryReaderGrain>(0);

        var asAnotherChampion = await AsAsync(new Caller("ch-user", Roles.Frontline, [ward], null, "ch-" + Ids.Short()), () => reader.ReadChampionSummaryAsync(championId));
        var asTheService = await AsAsync(new Caller("svc-user", Roles.Frontline, [], serviceId, null), () => reader.ReadChampionSummaryAsync(championId));
        var asEarlyIntervention = await AsAsync(new Caller("ei-user", Roles.EarlyIntervention, [ward], null, null), () => reader.ReadServiceSummaryAsync(serviceId));
        var asAnotherService = await AsAsync(new Caller("svc-user", Roles.Frontline, [], "svc-" + Ids.Short(), null), () => reader.ReadServiceSummaryAsync(serviceId));
        var asTheChampion = await AsAsync(new Caller("ch-user", Roles.Frontline, [ward], null, championId), () => reader.ReadChampionSummaryAsync(championId));

        Assert.Equal((AccessOutcome.NotFound, null), (asAnotherChampion.Outcome, asAnotherChampion.Summary));
        Assert.Equal((AccessOutcome.NotFound, null), (asTheService.Outcome, asTheService.Summary));
        Assert.Equal((AccessOutcome.NotFound, null), (asEarlyIntervention.Outcome, asEarlyIntervention.Summary));
        Assert.Equal((AccessOutcome.NotFound, null), (asAnotherService.Outcome, asAnotherService.Summary));
        Assert.Equal(AccessOutcome.Granted, asTheChampion.Outcome);
        Assert.Equal(1, asTheChampion.Summary!.OutreachContacts);
    }

    [Fact]
    public async Task A_champion_or_service_that_recorded_nothing_reads_zeros_and_no_grain_is_activated_for_it()
    {
        var championId = "ch-" + Ids.Short();
        var serviceId = "svc-" + Ids.Short();

        var champion = await ReadAsync($"/v1/champions/{championId}/summary", TestCaller.ChampionOf(championId));
        var service = await ReadAsync($"/v1/services/{serviceId}/summary", TestCaller.ServiceWorker(serviceId));
        var championOverGrpc = await Summaries().GetChampionSummaryAsync(new ChampionSummaryRequest { ChampionId = championId }, gateway.GrpcHeaders(TestCaller.ChampionOf(championId)));

        Assert.Equal(0, champion.GetProperty("outreachContacts").GetInt32());
        Assert.Equal(0, champion.GetProperty("signpostedThenReached").GetInt32());
        Assert.Empty(champion.GetProperty("signpostedByService").EnumerateObject());
        Assert.Equal(0, champion.GetProperty("version").GetInt64());
        Assert.Equal(0, service.GetProperty("contactsLast12Months").GetInt32());
        Assert.Equal(JsonValueKind.Null, service.GetProperty("missedAppointmentRate").ValueKind);
        Assert.Equal(0, service.GetProperty("version").GetInt64());
        SameOnBothTransports.AssertSame(champion, championOverGrpc);
        Assert.False(await IsActiveAsync(Grains().GetGrain<IChampionGrain>(championId)), "a read activated the champion");
        Assert.False(await IsActiveAsync(Grains().GetGrain<IServiceGrain>(serviceId)), "a read activated the service");
    }

    [Theory]
    [InlineData("champions", "not%20an%20id", "championId")]
    [InlineData("champions", null, "championId")]
    [InlineData("services", "Health_Visiting", "serviceId")]
    [InlineData("services", null, "serviceId")]
    public async Task A_malformed_id_is_refused_naming_it_on_both_transports(string kind, string? id, string field)
    {
        // null: one character over the longest id (128 for a champion, 64 for a service code).
        id ??= new string('a', kind == "champions" ? 129 : 65);
        var caller = kind == "champions" ? TestCaller.ChampionOf(Uri.UnescapeDataString(id)) : TestCaller.ServiceWorker(id);

        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/{kind}/{id}/summary", caller);
        var problem = await ContactApiTests.Json(response);
        var overGrpc = await Assert.ThrowsAsync<RpcException>(() => kind == "champions"
            ? Summaries().GetChampionSummaryAsync(new ChampionSummaryRequest { ChampionId = Uri.UnescapeDataString(id) }, gateway.GrpcHeaders(caller)).ResponseAsync
            : Summaries().GetServiceSummaryAsync(new ServiceSummaryRequest { ServiceId = id }, gateway.GrpcHeaders(caller)).ResponseAsync);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
        Assert.Equal(StatusCode.InvalidArgument, overGrpc.StatusCode);
        Assert.Equal([field], overGrpc.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? []);
    }

    [Fact]
    public async Task Reflection_describes_the_summaries_service()
    {
        var reflection = new global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(gateway.Grpc);
        using var call = reflection.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { FileContainingSymbol = "qp.v1.SummariesService" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(bytes)).ToList();
        await call.RequestStream.CompleteAsync();

        Assert.Contains("qp.v1.SummariesService", services);
        var service = Assert.Single(files.SelectMany(f => f.Service), s => s.Name == "SummariesService");
        Assert.Equal(".qp.v1.ChampionSummary", Assert.Single(service.Method, m => m.Name == "GetChampionSummary").OutputType);
        Assert.Equal(".qp.v1.ServiceSummary", Assert.Single(service.Method, m => m.Name == "GetServiceSummary").OutputType);
    }

    /// <summary>Calls the grain with <paramref name="caller"/> in the request context, as the gateway would after validating a token.</summary>
    private static async Task<T> AsAsync<T>(Caller caller, Func<Task<T>> call)
    {
        CallerContext.Set(caller);
        try
        {
            return await call();
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    private SummariesService.SummariesServiceClient Summaries() => new(gateway.Grpc);

    private IGrainFactory Grains() => gateway.GatewayServices.GetRequiredService<IGrainFactory>();

    /// <summary>Whether the grain has an activation in the cluster (the fixture's one silo answers for all of them).</summary>
    private async Task<bool> IsActiveAsync(IAddressable grain)
    {
        var id = grain.GetGrainId();
        var active = await Grains().GetGrain<IManagementGrain>(0).GetActiveGrains(id.Type);
        return active.Contains(id);
    }

    private async Task PostAsync(TestCaller caller, JsonObject contact)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", caller, contact.ToJsonString());
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> ReadAsync(string path, TestCaller caller)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, path, caller);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await ContactApiTests.Json(response);
    }

    /// <summary>A refusal's status, and its problem without the per-request trace id.</summary>
    private async Task<(HttpStatusCode Status, string Problem)> RefusedAsync(string path, TestCaller caller)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, path, caller);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        problem.Remove("traceId");
        return (response.StatusCode, problem.ToJsonString());
    }
}
