using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class WardApiTests(GatewayFixture gateway)
{
    private readonly TestCaller _healthVisitor = TestCaller.ServiceWorker("health-visiting");

    [Fact]
    public async Task The_worklist_ranks_families_by_need()
    {
        var ward = Ids.Ward();
        var settled = Ids.Family();
        var struggling = Ids.Family();
        var batch = new JsonArray(
            TestEvents.FamilyRegistered(settled, ward, housing: "owner-occupied"),
            TestEvents.BirthNotified(settled, Ids.Child(), ward),
            TestEvents.FamilyRegistered(struggling, ward, housing: "homeless", youngParent: true),
            TestEvents.BirthNotified(struggling, Ids.Child(), ward),
            TestEvents.ConcernRaised(struggling, "domestic-abuse"),
            TestEvents.ConcernRaised(struggling, "safeguarding"));
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString()))
        {
            Assert.Equal(6, (await ContactApiTests.Json(recorded)).GetProperty("accepted").GetInt32());
        }

        await gateway.DrainAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}", practitioner);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().ToArray();

        Assert.Equal(2, items.Length);
        Assert.Equal(2, items[0].GetProperty("openConcerns").GetArrayLength());
        Assert.Equal([struggling, settled], items.Select(i => i.GetProperty("familyId").GetString()!).ToArray());
        Assert.True(items[0].GetProperty("score").GetDouble() > items[1].GetProperty("score").GetDouble());

        using var filtered = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}&concern=safeguarding", practitioner);
        var only = (await ContactApiTests.Json(filtered)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("familyId").GetString()!).ToArray();
        Assert.Equal([struggling], only);
    }

    [Fact]
    public async Task The_commission_sees_ward_figures_with_small_numbers_suppressed()
    {
        var ward = Ids.Ward();
        var batch = new JsonArray(
            TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward),
            TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward));
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString()))
        {
            Assert.Equal(2, (await ContactApiTests.Json(recorded)).GetProperty("accepted").GetInt32());
        }

        await gateway.DrainAsync();
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/figures?period=quarter", TestCaller.Commissioner());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var figures = await ContactApiTests.Json(response);

        var document = figures.GetProperty("figures");
        Assert.Equal(JsonValueKind.Null, document.GetProperty("reach").GetProperty("known").ValueKind);
        Assert.True(document.GetProperty("suppressed").GetArrayLength() > 0);
    }

    [Fact]
    public async Task The_commission_sees_a_wards_monthly_history_published_like_live_figures()
    {
        var ward = Ids.Ward();
        var batch = new JsonArray(
            TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward, daysAgo: 40),
            TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward, daysAgo: 45),
            TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward, daysAgo: 50));
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString()))
        {
            Assert.Equal(3, (await ContactApiTests.Json(recorded)).GetProperty("accepted").GetInt32());
        }

        // The ward keeps last month's figures once its births have reached it (the monthly timer does the same).
        await gateway.DrainAsync();
        var wardGrain = gateway.GatewayServices.GetRequiredService<IClusterClient>().GetGrain<IWardGrain>(ward);
        var snapshot = await wardGrain.TakeSnapshotIfDueAsync();
        Assert.NotNull(snapshot);

        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/figures/history", TestCaller.Commissioner());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var months = (await ContactApiTests.Json(response)).GetProperty("months").EnumerateArray().ToArray();
        var month = Assert.Single(months);
        Assert.Equal(snapshot.Month, month.GetProperty("month").GetString());
        var figures = month.GetProperty("figures");
        Assert.True(figures.GetProperty("published").GetBoolean());
        Assert.Equal(JsonValueKind.Null, figures.GetProperty("reach").GetProperty("known").ValueKind);
    }

    [Fact]
    public async Task The_commission_sees_an_areas_monthly_history_built_from_its_wards_months()
    {
        var client = gateway.GatewayServices.GetRequiredService<IClusterClient>();
        string[] wards = ["queens-park", "harrow-road", "westbourne", "church-street"];
        var batch = new JsonArray(TestEvents.BirthNotified(Ids.Family(), Ids.Child(), "westbourne", daysAgo: 45));
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        }

        foreach (var ward in wards)
        {
            // Configured wards keep last month whether or not they hold records (an earlier test may already have).
            await client.GetGrain<IWardGrain>(ward).TakeSnapshotIfDueAsync();
        }

        var expected = (await client.GetGrain<IWardGrain>("westbourne").GetHistoryAsync()).Select(m => m.Month).ToArray();
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/areas/north-westminster/figures/history", TestCaller.Commissioner());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ContactApiTests.Json(response);
        Assert.Equal("north-westminster", body.GetProperty("key").GetString());
        var months = body.GetProperty("months").EnumerateArray().ToArray();
        Assert.Equal(expected, months.Select(m => m.GetProperty("month").GetString()));
        Assert.All(months, m => Assert.True(m.GetProperty("figures").GetProperty("published").GetBoolean()));

        using var unknown = await gateway.SendAsync(HttpMethod.Get, "/v1/areas/atlantis/figures/history", TestCaller.Commissioner());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_figures_history_over_grpc_has_the_same_months_as_over_http()
    {
        var ward = Ids.Ward();
        var batch = new JsonArray(
            TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward, daysAgo: 40),
            TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward, daysAgo: 45));
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString()))
        {
            Assert.Equal(2, (await ContactApiTests.Json(recorded)).GetProperty("accepted").GetInt32());
        }

        await gateway.DrainAsync();
        var client = gateway.GatewayServices.GetRequiredService<IClusterClient>();
        Assert.NotNull(await client.GetGrain<IWardGrain>(ward).TakeSnapshotIfDueAsync());
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var commission = gateway.GrpcHeaders(TestCaller.Commissioner());

        var wardHistory = await wards.GetWardFiguresHistoryAsync(new WardFiguresHistoryRequest { WardCode = ward }, commission);
        using var wardHttp = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/figures/history", TestCaller.Commissioner());
        var areaHistory = await wards.GetAreaFiguresHistoryAsync(new AreaFiguresHistoryRequest { AreaId = "north-westminster" }, commission);
        using var areaHttp = await gateway.SendAsync(HttpMethod.Get, "/v1/areas/north-westminster/figures/history", TestCaller.Commissioner());

        AssertSameHistory(await ContactApiTests.Json(wardHttp), wardHistory);
        Assert.Equal(ward, wardHistory.Key);
        var month = Assert.Single(wardHistory.Months);
        Assert.True(month.Figures.Fields["published"].BoolValue);
        Assert.Equal(Google.Protobuf.WellKnownTypes.Value.KindOneofCase.NullValue, month.Figures.Fields["reach"].StructValue.Fields["known"].KindCase);
        AssertSameHistory(await ContactApiTests.Json(areaHttp), areaHistory);
        Assert.Equal("north-westminster", areaHistory.Key);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => wards.GetAreaFiguresHistoryAsync(new AreaFiguresHistoryRequest { AreaId = "atlantis" }, commission).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var badWard = await Assert.ThrowsAsync<RpcException>(() => wards.GetWardFiguresHistoryAsync(new WardFiguresHistoryRequest { WardCode = "Queens Park" }, commission).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badWard.StatusCode);
    }

    [Fact]
    public async Task Worklists_unreached_infants_and_figures_over_grpc_carry_what_http_carries_under_the_same_names()
    {
        var ward = Ids.Ward();
        var generated = "syn-" + Ids.Short();
        var batch = new JsonArray(
            TestEvents.BirthNotified(generated, Ids.Child(), ward),
            TestEvents.BirthNotified(Ids.Family(), Ids.Child(), ward));
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString()))
        {
            Assert.Equal(2, (await ContactApiTests.Json(recorded)).GetProperty("accepted").GetInt32());
        }

        await gateway.DrainAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var team = gateway.GrpcHeaders(practitioner);
        var commissioner = TestCaller.Commissioner();

        using var worklistHttp = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}", practitioner);
        var worklistGrpc = await wards.GetWorklistAsync(new WorklistRequest { Ward = ward }, team);
        using var unreachedHttp = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/unreached", practitioner);
        var unreachedGrpc = await wards.GetUnreachedAsync(new UnreachedRequest { WardCode = ward }, team);
        using var figuresHttp = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/figures?period=quarter", commissioner);
        var figuresGrpc = await wards.GetWardFiguresAsync(new WardFiguresRequest { WardCode = ward, Period = "quarter" }, gateway.GrpcHeaders(commissioner));

        SameOnBothTransports.AssertSame(await ContactApiTests.Json(worklistHttp), worklistGrpc);
        SameOnBothTransports.AssertSame(await ContactApiTests.Json(unreachedHttp), unreachedGrpc);

        // Each read stamps its own asOf; the figures document is the ward's, unchanged between the two reads.
        SameOnBothTransports.AssertSame(await ContactApiTests.Json(figuresHttp), figuresGrpc, "asOf");
        Assert.True(Assert.Single(worklistGrpc.Items, i => i.FamilyId == generated).Synthetic);
        Assert.Equal(2, unreachedGrpc.Count);
        Assert.Equal([false, true], unreachedGrpc.Items.Select(i => i.Synthetic).Order());
        Assert.True(figuresGrpc.Figures_.Fields["synthetic"].BoolValue);
    }

    [Fact]
    public async Task A_ward_that_is_neither_configured_nor_holds_records_has_no_figures_history_or_figures_stream_on_either_transport()
    {
        var nowhere = Ids.Ward();
        var commissioner = TestCaller.Commissioner();
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var commission = gateway.GrpcHeaders(commissioner);

        using var figures = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{nowhere}/figures", commissioner);
        using var history = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{nowhere}/figures/history", commissioner);
        var grpcFigures = await Assert.ThrowsAsync<RpcException>(() => wards.GetWardFiguresAsync(new WardFiguresRequest { WardCode = nowhere }, commission).ResponseAsync);
        var grpcHistory = await Assert.ThrowsAsync<RpcException>(() => wards.GetWardFiguresHistoryAsync(new WardFiguresHistoryRequest { WardCode = nowhere }, commission).ResponseAsync);
        using var streamRequest = gateway.Request(HttpMethod.Get, $"/v1/stream/figures?ward={nowhere}", commissioner);
        using var stream = await gateway.Http.SendAsync(streamRequest, HttpCompletionOption.ResponseHeadersRead);
        using var grpcCall = wards.StreamWardFigures(new StreamRequest { Ward = nowhere }, commission, DateTime.UtcNow.AddSeconds(30));
        var grpcStream = await Assert.ThrowsAsync<RpcException>(() => grpcCall.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(HttpStatusCode.NotFound, figures.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, history.StatusCode);
        Assert.Equal("application/problem+json", history.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, (await ContactApiTests.Json(history)).GetProperty("status").GetInt32());
        Assert.Equal(StatusCode.NotFound, grpcFigures.StatusCode);
        Assert.Equal(StatusCode.NotFound, grpcHistory.StatusCode);

        // Refused before a stream starts: no poller follows a ward nobody knows.
        Assert.Equal(HttpStatusCode.NotFound, stream.StatusCode);
        Assert.Equal("application/problem+json", stream.Content.Headers.ContentType?.MediaType);
        Assert.Equal(StatusCode.NotFound, grpcStream.StatusCode);
    }

    [Fact]
    public async Task A_configured_ward_has_a_history_even_before_its_first_month_is_kept()
    {
        // Configured in the service catalogue: known whether or not it holds records or has kept a month yet.
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/wards/harrow-road/figures/history", TestCaller.Commissioner());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("harrow-road", (await ContactApiTests.Json(response)).GetProperty("key").GetString());
    }

    private static void AssertSameHistory(JsonElement http, FiguresHistory grpc)
    {
        Assert.Equal(http.GetProperty("key").GetString(), grpc.Key);
        var months = http.GetProperty("months").EnumerateArray().ToArray();
        Assert.Equal(months.Select(m => m.GetProperty("month").GetString()), grpc.Months.Select(m => m.Month));
        Assert.Equal(months.Select(m => m.GetProperty("takenAt").GetDateTimeOffset()), grpc.Months.Select(m => m.TakenAt.ToDateTimeOffset()));
        Assert.Equal(
            months.Select(m => m.GetProperty("figures").GetProperty("published").GetBoolean()),
            grpc.Months.Select(m => m.Figures.Fields["published"].BoolValue));
    }

    [Theory]
    [InlineData("ward=Queens Park", "ward")]
    [InlineData("", "ward")]
    [InlineData("ward=queens-park&level=urgent", "level")]
    [InlineData("ward=queens-park&concern=noise", "concern")]
    [InlineData("ward=queens-park&page=0", "page")]
    [InlineData("ward=queens-park&pageSize=1000", "pageSize")]
    [InlineData("ward=queens-park&overdueReview=maybe", "overdueReview")]
    [InlineData("ward=queens-park&awaitingDecision=maybe", "awaitingDecision")]
    [InlineData("ward=queens-park&awaitingDecision=1", "awaitingDecision")]
    [InlineData("ward=queens-park&changedSince=yesterday", "changedSince")]
    [InlineData("ward=queens-park&changedSince=2026-11-20", "changedSince")]
    [InlineData("ward=queens-park&changedSince=2026-11-20T10:15:00", "changedSince")]
    [InlineData("ward=queens-park&changedSince=2026-11-20T10:15:00+01:00", "changedSince")]
    [InlineData("ward=queens-park&changedSince=2026-02-30T10:15:00Z", "changedSince")]
    public async Task Worklist_queries_are_checked_field_by_field(string query, string field)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/worklist?" + query, TestCaller.EarlyIntervention("queens-park"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains((await ContactApiTests.Json(response)).GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }

    [Fact]
    public async Task The_risk_stream_sends_a_snapshot_then_the_change_when_a_familys_risk_changes()
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = await RiskStream.OpenAsync(gateway, ward, TestCaller.EarlyIntervention(ward), cancel.Token);
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);

        var snapshot = await stream.NextAsync(cancel.Token);
        Assert.Equal("snapshot", snapshot.Kind);
        Assert.False(string.IsNullOrEmpty(snapshot.Id));

        var batch = new JsonArray(
            TestEvents.FamilyRegistered(familyId, ward, housing: "temporary-accommodation"),
            TestEvents.ConcernRaised(familyId, "housing"));
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        }

        SseEvent change;
        do
        {
            change = await stream.NextAsync(cancel.Token);
        }
        while (change.Kind != "risk-changed" || JsonDocument.Parse(change.Data).RootElement.GetProperty("familyId").GetString() != familyId);

        var line = JsonDocument.Parse(change.Data).RootElement;
        Assert.Equal(ward, line.GetProperty("wardCode").GetString());
        Assert.NotEqual(snapshot.Id, change.Id);

        // The line says what the worklist says of the family at that version: whether it awaits a decision (no level set
        // yet, so whether its suggested level is above universal) and when its risk last changed.
        Assert.Equal(JsonValueKind.Null, line.GetProperty("setLevel").ValueKind);
        Assert.Equal(line.GetProperty("suggestedLevel").GetString() != "universal", line.GetProperty("awaitingDecision").GetBoolean());
        Assert.Equal(line.GetProperty("score").GetDouble() > 0, line.GetProperty("riskChangedAt").ValueKind == JsonValueKind.String);
        Assert.True(line.TryGetProperty("levelChangedAt", out _) && line.TryGetProperty("levelChangedFrom", out _), change.Data);
    }

    [Fact]
    public async Task The_risk_stream_follows_every_family_of_a_ward_longer_than_one_worklist_page()
    {
        // More families than the ward grain serves in one worklist page (it caps pages at 200).
        const int Families = 230;
        var ward = Ids.Ward();
        var batch = new JsonArray([.. Enumerable.Range(0, Families).Select(_ => (JsonNode)TestEvents.FamilyRegistered(Ids.Family(), ward))]);
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, batch.ToJsonString()))
        {
            Assert.Equal(Families, (await ContactApiTests.Json(recorded)).GetProperty("accepted").GetInt32());
        }

        await gateway.DrainAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);
        using (var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}&pageSize=1", practitioner))
        {
            Assert.Equal(Families, (await ContactApiTests.Json(response)).GetProperty("total").GetInt32());
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = await RiskStream.OpenAsync(gateway, ward, practitioner, cancel.Token);
        var snapshot = await stream.NextAsync(cancel.Token);

        Assert.Equal("snapshot", snapshot.Kind);
        Assert.Equal(Families, JsonDocument.Parse(snapshot.Data).RootElement.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_family_that_moves_ward_is_sent_as_removed_on_the_old_wards_risk_stream()
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _healthVisitor, new JsonArray(TestEvents.FamilyRegistered(familyId, ward)).ToJsonString()))
        {
            Assert.Equal(1, (await ContactApiTests.Json(recorded)).GetProperty("accepted").GetInt32());
        }

        await gateway.DrainAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);
        using (var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}", practitioner))
        {
            Assert.Equal(1, (await ContactApiTests.Json(response)).GetProperty("total").GetInt32());
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = await RiskStream.OpenAsync(gateway, ward, practitioner, cancel.Token);
        var snapshot = await stream.NextAsync(cancel.Token);
        Assert.Equal(1, JsonDocument.Parse(snapshot.Data).RootElement.GetProperty("items").GetArrayLength());

        // Later than the registration (a minute ago) even within the same second: the latest ward wins.
        var moved = TestEvents.Event(null, "family-details-changed", familyId, null, new JsonObject { ["wardCode"] = Ids.Ward() }, DateTimeOffset.UtcNow);
        using (var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _healthVisitor, moved.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        }

        // The family reports the move to the ward it left as well as to the new one: no reconciliation is needed.
        SseEvent removed;
        do
        {
            removed = await stream.NextAsync(cancel.Token);
        }
        while (removed.Kind != "risk-removed");

        var line = JsonDocument.Parse(removed.Data).RootElement;
        Assert.Equal(familyId, line.GetProperty("familyId").GetString());
        Assert.Equal(ward, line.GetProperty("wardCode").GetString());
    }

    [Fact]
    public async Task A_stream_for_a_ward_outside_the_callers_wards_is_refused()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/stream/risk?ward={Ids.Ward()}", TestCaller.EarlyIntervention(Ids.Ward()));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    internal static async Task<SseEvent> NextEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? id = null;
        string? kind = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new SseEvent(id ?? "", kind ?? "message", string.Join('\n', data));
                }

                continue;
            }

            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                kind = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line[6..]);
            }
        }

        throw new EndOfStreamException("The stream ended.");
    }

    internal sealed record SseEvent(string Id, string Kind, string Data);

    /// <summary>A risk stream opened for a caller (its response, whatever its status), read event by event.</summary>
    internal sealed class RiskStream(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public HttpResponseMessage Response { get; } = response;

        public static async Task<RiskStream> OpenAsync(GatewayFixture gateway, string ward, TestCaller caller, CancellationToken cancellationToken)
        {
            using var request = gateway.Request(HttpMethod.Get, $"/v1/stream/risk?ward={ward}", caller);
            var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return new RiskStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)));
        }

        public Task<SseEvent> NextAsync(CancellationToken cancellationToken) => NextEventAsync(reader, cancellationToken);

        public void Dispose()
        {
            reader.Dispose();
            Response.Dispose();
        }
    }
}
