using System.Net;
using System.Text.Json;
using QpActors.Gateway.Grpc.V1;
using static QpActors.Gateway.Tests.WardApiTests;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A client that reconnects with the id of the last update it saw gets what it missed, not the snapshot again: by the
/// Last-Event-ID header, by <c>lastEventId</c> in the query (for clients that cannot set headers) and by gRPC's
/// <c>last_event_id</c>. Another subscriber keeps the ward followed meanwhile, as the feed keeps updates only while a ward
/// is followed.
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

    private async Task RegisterAsync(string family, string ward)
    {
        using (var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _healthVisitor, TestEvents.FamilyRegistered(family, ward).ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await gateway.DrainAsync();
    }
}
