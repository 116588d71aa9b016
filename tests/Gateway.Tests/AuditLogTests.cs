using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>The audit log itself: who reads it is on record, and its pages hold still while new entries arrive.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AuditLogTests(GatewayFixture gateway)
{
    /// <summary>A value that does not parse is reported with the others, not alone first: one answer names every wrong value.</summary>
    [Fact]
    public async Task A_bad_query_names_every_wrong_value_at_once()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/audit?from=yesterday&page=0&pageSize=9999&family=not%20an%20id", TestCaller.Administrator());

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var fields = (await ContactApiTests.Json(response)).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!);
        Assert.Equal(["family", "from", "page", "pageSize"], fields.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Over gRPC a timestamp outside the range a Timestamp allows is a bad value like any other: InvalidArgument naming it
    /// beside the query's other wrong values, not a fault.
    /// </summary>
    [Fact]
    public async Task A_bad_query_over_grpc_names_an_impossible_timestamp_with_the_other_wrong_values()
    {
        var audit = new AuditService.AuditServiceClient(gateway.Grpc);
        var request = new AuditQueryRequest
        {
            From = new Timestamp { Seconds = 0, Nanos = -1 },
            To = new Timestamp { Seconds = 253_402_300_800 },
            PageSize = 9999,
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => audit.QueryAsync(request, gateway.GrpcHeaders(TestCaller.Administrator())).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var fields = error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? [];
        Assert.Equal(["from", "pageSize", "to"], fields.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Reading_the_audit_log_on_either_transport_is_itself_audited_naming_the_family_asked_about()
    {
        var (familyId, reader) = await FamilyReadAsync(reads: 1);
        var overHttp = TestCaller.Administrator();
        var overGrpc = TestCaller.Administrator();

        Assert.Single(await AuditAsync(overHttp, $"family={familyId}&user={reader.Subject}"));
        var audit = new AuditService.AuditServiceClient(gateway.Grpc);
        Assert.Single((await audit.QueryAsync(new AuditQueryRequest { Family = familyId, User = reader.Subject }, gateway.GrpcHeaders(overGrpc))).Items);

        var auditor = TestCaller.Administrator();
        foreach (var admin in new[] { overHttp, overGrpc })
        {
            var entry = Assert.Single(await AuditAsync(auditor, $"user={admin.Subject}"));
            Assert.Equal(("audit-read", "admin", familyId), (entry.GetProperty("action").GetString(), entry.GetProperty("role").GetString(), entry.GetProperty("familyId").GetString()));
            Assert.Contains("page 1", entry.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pages_read_up_to_the_first_pages_to_hold_still_while_new_entries_arrive()
    {
        var (familyId, reader) = await FamilyReadAsync(reads: 3);
        var admin = TestCaller.Administrator();
        var filter = $"family={familyId}&user={reader.Subject}&pageSize=2";

        using var firstResponse = await gateway.SendAsync(HttpMethod.Get, "/v1/audit?" + filter, admin);
        var first = await ContactApiTests.Json(firstResponse);
        var to = first.GetProperty("to").GetString()!;
        Assert.True(first.GetProperty("hasMore").GetBoolean());

        // A fourth read lands between the two pages.
        await ReadRiskAsync(familyId, reader);

        var second = await AuditAsync(admin, $"{filter}&page=2&to={Uri.EscapeDataString(to)}");
        var unbounded = await AuditAsync(admin, $"{filter}&page=2");
        var firstItems = first.GetProperty("items").EnumerateArray().Select(e => e.GetRawText()).ToArray();

        // Bounded, page 2 is the one entry page 1 left; by offset alone it would repeat page 1's last.
        Assert.Equal(2, firstItems.Length);
        Assert.DoesNotContain(Assert.Single(second).GetRawText(), firstItems);
        Assert.Contains(unbounded[0].GetRawText(), firstItems);

        // And over gRPC the page says the same bound.
        var audit = new AuditService.AuditServiceClient(gateway.Grpc);
        var page = await audit.QueryAsync(new AuditQueryRequest { Family = familyId, User = reader.Subject, PageSize = 2 }, gateway.GrpcHeaders(admin));
        Assert.NotNull(page.To);
        Assert.True(page.To.ToDateTimeOffset() >= DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A family in a new ward, read <paramref name="reads"/> times by its ward's early intervention team.</summary>
    private async Task<(string FamilyId, TestCaller Reader)> FamilyReadAsync(int reads)
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        using var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", TestCaller.ServiceWorker(), TestEvents.FamilyRegistered(familyId, ward).ToJsonString());
        Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        var reader = TestCaller.EarlyIntervention(ward);
        for (var i = 0; i < reads; i++)
        {
            await ReadRiskAsync(familyId, reader);
        }

        return (familyId, reader);
    }

    private async Task ReadRiskAsync(string familyId, TestCaller reader)
    {
        using var read = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", reader);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    private async Task<JsonElement[]> AuditAsync(TestCaller admin, string query)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/audit?" + query, admin);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().ToArray();
    }
}
