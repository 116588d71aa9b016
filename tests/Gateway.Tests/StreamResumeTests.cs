using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Application;
using QpActors.Gateway.Grpc.V1;
using static QpActors.Gateway.Tests.WardApiTests;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A client that reconnects with the id of the last update it saw gets what it missed, not the snapshot again: by the
/// Last-Event-ID header, by <c>lastEventId</c> in the query (for clients that cannot set headers) and by gRPC's
/// <c>last_event_id</c>: while another subscriber keeps the ward followed, and, when the client's stream was the ward's
/// only one, within the linger of the ward's poller (<c>Streams:Linger</c>).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class StreamResumeTests(GatewayFixture gateway)
{
    private readonly TestCaller _healthVisitor = TestCaller.ServiceWorker("health-visiting");

    [Fact]
    public async Task A_risk_stream_resumes_after_the_last_update_seen_on_either_transport()
    {
        var ward = Ids.Ward();
        var practitioner = TestCaller.EarlyIntervention(ward);
        await RegisterAsync(Ids.Family(), ward);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var keeper = await RiskStream.OpenAsync(gateway, ward, practitioner, cancel.Token);
        var seen = await keeper.NextAsync(cancel.Token);
        Assert.Equal("snapshot", seen.Kind);

        // While the client is away a family joins the ward.
        var joined = Ids.Family();
        await RegisterAsync(joined, ward);
        var missed = await keeper.NextAsync(cancel.Token);
        Assert.Equal("risk-changed", missed.Kind);

        using (var byHeader = gateway.Request(HttpMethod.Get, $"/v1/stream/risk?ward={ward}", practitioner))
        {
            byHeader.Headers.Add("Last-Event-ID", seen.Id);
            await AssertResumedAsync(byHeader);
        }

        using (var byQuery = gateway.Request(HttpMethod.Get, $"/v1/stream/risk?ward={ward}&lastEventId={Uri.EscapeDataString(seen.Id)}", practitioner))
        {
            await AssertResumedAsync(byQuery);
        }

        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        using var call = wards.StreamRiskChanges(new StreamRequest { Ward = ward, LastEventId = seen.Id }, gateway.GrpcHeaders(practitioner), cancellationToken: cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal((missed.Id, "risk-changed"), (call.ResponseStream.Current.Id, call.ResponseStream.Current.Kind));
        Assert.Equal(joined, call.ResponseStream.Current.Data.Fields["familyId"].StringValue);

        async Task AssertResumedAsync(HttpRequestMessage request)
        {
            using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            var first = await NextEventAsync(reader, cancel.Token);
            Assert.Equal((missed.Id, "risk-changed"), (first.Id, first.Kind));
            Assert.Equal(joined, JsonDocument.Parse(first.Data).RootElement.GetProperty("familyId").GetString());
        }
    }

    [Fact]
    public async Task A_risk_stream_whose_only_client_drops_resumes_within_the_linger_with_the_missed_updates_audited_on_either_transport()
    {
        var ward = Ids.Ward();
        var practitioner = TestCaller.EarlyIntervention(ward);
        await RegisterAsync(Ids.Family(), ward);
        var limits = gateway.GatewayServices.GetRequiredService<LiveStreamLimits>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // The phone's only stream: it sees the snapshot, then loses its connection. Nothing else follows the ward.
        string seen;
        using (var phone = await RiskStream.OpenAsync(gateway, ward, practitioner, cancel.Token))
        {
            seen = (await phone.NextAsync(cancel.Token)).Id;
        }

        await limits.WhenNoneOpenFor(practitioner.Subject).WaitAsync(cancel.Token);

        // While it is away a family joins the ward; a second later it reconnects with the id it last saw.
        var joined = Ids.Family();
        await RegisterAsync(joined, ward);
        using var byHeader = gateway.Request(HttpMethod.Get, $"/v1/stream/risk?ward={ward}", practitioner);
        byHeader.Headers.Add("Last-Event-ID", seen);
        SseEvent missed;
        using (var response = await gateway.Http.SendAsync(byHeader, HttpCompletionOption.ResponseHeadersRead, cancel.Token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            missed = await NextEventAsync(reader, cancel.Token);
        }

        Assert.Equal("risk-changed", missed.Kind);
        Assert.Equal(joined, JsonDocument.Parse(missed.Data).RootElement.GetProperty("familyId").GetString());
        Assert.Equal(EpochOf(seen), EpochOf(missed.Id));
        await limits.WhenNoneOpenFor(practitioner.Subject).WaitAsync(cancel.Token);

        // Away again, over gRPC this time.
        var joinedLater = Ids.Family();
        await RegisterAsync(joinedLater, ward);
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        Update missedOverGrpc;
        using (var call = wards.StreamRiskChanges(new StreamRequest { Ward = ward, LastEventId = missed.Id }, gateway.GrpcHeaders(practitioner), cancellationToken: cancel.Token))
        {
            Assert.True(await call.ResponseStream.MoveNext(cancel.Token));
            missedOverGrpc = call.ResponseStream.Current;
        }

        Assert.Equal("risk-changed", missedOverGrpc.Kind);
        Assert.Equal(joinedLater, missedOverGrpc.Data.Fields["familyId"].StringValue);
        Assert.Equal(EpochOf(seen), EpochOf(missedOverGrpc.Id));

        // Each missed update was audited for the subscriber before it was sent, naming the family and the update.
        foreach (var (family, id) in new[] { (joined, missed.Id), (joinedLater, missedOverGrpc.Id) })
        {
            using var audit = await gateway.SendAsync(HttpMethod.Get, $"/v1/audit?user={practitioner.Subject}&family={family}", TestCaller.Administrator());
            Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
            var entry = Assert.Single((await ContactApiTests.Json(audit)).GetProperty("items").EnumerateArray());
            Assert.Equal("risk-stream-read", entry.GetProperty("action").GetString());
            Assert.Contains(id, entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    private static string EpochOf(string id) => id[..id.IndexOf('.', StringComparison.Ordinal)];

    private async Task RegisterAsync(string family, string ward)
    {
        using (var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _healthVisitor, TestEvents.FamilyRegistered(family, ward).ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await gateway.DrainAsync();
    }
}
