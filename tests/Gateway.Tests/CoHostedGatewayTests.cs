using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using QpActors.Gateway.Grpc;
using QpActors.Gateway.Grpc.V1;
using QpActors.Gateway.Hosting;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The gateway with its silo in the same process (<c>Gateway:Silo=in-process</c>): the paths where
/// the in-memory grain call replaces the client hop (receipts, duplicates, the audited risk read, the
/// caller's roles carried in the request context, gRPC) behave exactly as with an external silo.
/// </summary>
[Collection(CoHostedGatewayCollection.Name)]
public sealed class CoHostedGatewayTests(CoHostedGatewayFixture gateway)
{
    private readonly TestCaller _midwife = TestCaller.ServiceWorker("midwifery");

    [Fact]
    public void The_gateway_process_is_itself_the_silo()
    {
        // Only a silo registers its own silo details; an Orleans client has none.
        Assert.NotNull(gateway.GatewayServices.GetService<ILocalSiloDetails>());
    }

    [Fact]
    public async Task Ready_answers_200_because_the_local_silo_and_its_storage_answer()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/health/ready", caller: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Recording_answers_a_receipt_and_a_repost_is_the_same_receipt_as_a_duplicate()
    {
        var birth = TestEvents.BirthNotified(Ids.Family(), Ids.Child(), Ids.Ward()).ToJsonString();

        using var first = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, birth);
        using var again = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _midwife, birth);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var original = await ContactApiTests.Json(first);
        var repeated = await ContactApiTests.Json(again);
        Assert.Equal("accepted", original.GetProperty("status").GetString());
        Assert.Equal("duplicate", repeated.GetProperty("status").GetString());
        Assert.True(original.GetProperty("version").GetInt64() >= 1);
        Assert.Equal(original.GetProperty("version").GetInt64(), repeated.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_risk_read_answers_the_status_and_the_audit_log_names_the_reader()
    {
        var (ward, familyId, childId) = await RegisterFamilyAsync();
        var practitioner = TestCaller.EarlyIntervention(ward);

        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", practitioner);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await ContactApiTests.Json(response);
        Assert.Equal(familyId, status.GetProperty("familyId").GetString());
        Assert.Contains(status.GetProperty("children").EnumerateArray(), c => c.GetProperty("childId").GetString() == childId);

        using var audit = await gateway.SendAsync(HttpMethod.Get, $"/v1/audit?family={familyId}&user={practitioner.Subject}", TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        var entry = Assert.Single((await ContactApiTests.Json(audit)).GetProperty("items").EnumerateArray());
        Assert.Equal(practitioner.Subject, entry.GetProperty("userId").GetString());
        Assert.Equal("early-intervention", entry.GetProperty("role").GetString());
        Assert.False(entry.GetProperty("breakGlass").GetBoolean());
    }

    [Fact]
    public async Task Outside_its_wards_a_practitioner_needs_a_break_glass_reason_and_the_audit_says_so()
    {
        var (_, familyId, _) = await RegisterFamilyAsync();
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());

        // The ward check runs in the family grain from the caller the gateway put in the request context.
        using var refused = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", elsewhere);
        using var withReason = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", elsewhere);
        const string Reason = "Child presented at A&E out of hours; safeguarding check";
        withReason.Headers.Add("X-Break-Glass-Reason", Reason);
        using var opened = await gateway.Http.SendAsync(withReason);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("X-Break-Glass-Reason", (await ContactApiTests.Json(refused)).GetProperty("breakGlassHeader").GetString());
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        using var audit = await gateway.SendAsync(HttpMethod.Get, $"/v1/audit?family={familyId}&user={elsewhere.Subject}", TestCaller.Administrator());
        Assert.Contains((await ContactApiTests.Json(audit)).GetProperty("items").EnumerateArray(),
            e => e.GetProperty("breakGlass").GetBoolean() && e.GetProperty("reason").GetString() == Reason);
    }

    public static TheoryData<string, string, string, HttpStatusCode> RoleCases() => new()
    {
        { "POST", "/v1/contacts", "anonymous", HttpStatusCode.Unauthorized },
        { "POST", "/v1/contacts", "commission", HttpStatusCode.Forbidden },
        { "GET", "/v1/families/{family}/risk", "frontline", HttpStatusCode.Forbidden },
        { "GET", "/v1/families/{family}/risk", "commission", HttpStatusCode.Forbidden },
        { "GET", "/v1/audit", "early-intervention", HttpStatusCode.Forbidden },
        { "GET", "/v1/audit", "admin", HttpStatusCode.OK },
        { "GET", "/dashboard/", "commission", HttpStatusCode.Forbidden },
        { "GET", "/dashboard/", "admin", HttpStatusCode.OK },
    };

    [Theory]
    [MemberData(nameof(RoleCases))]
    public async Task Roles_are_enforced_as_with_an_external_silo(string method, string path, string role, HttpStatusCode expected)
    {
        TestCaller? caller = role switch
        {
            "anonymous" => null,
            "commission" => TestCaller.Commissioner(),
            "frontline" => _midwife,
            "early-intervention" => TestCaller.EarlyIntervention(Ids.Ward()),
            "admin" => TestCaller.Administrator(),
            _ => throw new ArgumentOutOfRangeException(nameof(role)),
        };
        var body = method == "POST" ? TestEvents.BirthNotified(Ids.Family(), Ids.Child(), Ids.Ward()).ToJsonString() : null;

        using var response = await gateway.SendAsync(new HttpMethod(method), path.Replace("{family}", Ids.Family(), StringComparison.Ordinal), caller, body);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Recording_over_grpc_answers_receipts_and_duplicates_and_reads_risk()
    {
        var (ward, familyId, childId) = (Ids.Ward(), Ids.Family(), Ids.Child());
        var contacts = new ContactsService.ContactsServiceClient(gateway.Grpc);
        var frontline = gateway.GrpcHeaders(_midwife);
        var birth = new ContactEvent
        {
            EventId = Ids.Event(),
            Type = "birth-notified",
            OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            FamilyId = familyId,
            ChildId = childId,
            Data = new Struct
            {
                Fields =
                {
                    ["dateOfBirth"] = Value.ForString(DateTime.UtcNow.AddDays(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                    ["wardCode"] = Value.ForString(ward),
                },
            },
        };

        var born = await contacts.RecordAsync(birth, frontline);
        var again = await contacts.RecordAsync(birth, frontline);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await contacts.RecordAsync(birth, gateway.GrpcHeaders(TestCaller.Commissioner())));

        Assert.Equal("accepted", born.Status);
        Assert.Equal("duplicate", again.Status);
        Assert.Equal(born.Version, again.Version);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);
        var status = await families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(TestCaller.EarlyIntervention(ward)));
        Assert.Contains(status.Children, c => c.ChildId == childId);
    }

    [Fact]
    public async Task Every_grpc_risk_read_decodes_to_the_typed_mapping_of_the_familys_status()
    {
        var (ward, familyId, childId) = await RegisterFamilyAsync();
        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);
        var headers = gateway.GrpcHeaders(TestCaller.EarlyIntervention(ward));

        // The first read encodes the family's view; the second is answered from those bytes with its own instant.
        var first = await families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, headers);
        var second = await families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, headers);
        var typed = ProtoMapping.ToProto(await gateway.GatewayServices.GetRequiredService<IGrainFactory>().GetGrain<IFamilyGrain>(familyId).GetRiskStatusAsync());

        Assert.Contains(first.Children, c => c.ChildId == childId);
        Assert.True(second.AsOf.ToDateTimeOffset() >= first.AsOf.ToDateTimeOffset());
        Assert.Equal(WithoutInstant(typed), WithoutInstant(first));
        Assert.Equal(WithoutInstant(typed), WithoutInstant(second));
    }

    private static RiskStatus WithoutInstant(RiskStatus status)
    {
        var copy = status.Clone();
        copy.AsOf = null;
        return copy;
    }

    private async Task<(string Ward, string FamilyId, string ChildId)> RegisterFamilyAsync()
    {
        var (ward, familyId, childId) = (Ids.Ward(), Ids.Family(), Ids.Child());
        var batch = new JsonArray(TestEvents.FamilyRegistered(familyId, ward), TestEvents.BirthNotified(familyId, childId, ward));
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, batch.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await ContactApiTests.Json(response)).GetProperty("accepted").GetInt32());
        return (ward, familyId, childId);
    }
}

/// <summary>The topology switch is read and checked before anything starts.</summary>
public sealed class SiloHostingOptionTests
{
    [Theory]
    [InlineData("external", SiloHosting.External)]
    [InlineData("in-process", SiloHosting.InProcess)]
    [InlineData("In-Process", SiloHosting.InProcess)]
    [InlineData("", SiloHosting.External)]
    public void The_switch_names_the_topology(string value, SiloHosting expected)
    {
        Assert.Equal(expected, new GatewayOptions { Silo = value }.SiloHosting);
    }

    [Fact]
    public async Task An_unknown_topology_fails_at_start_naming_the_setting()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--Gateway:Silo=sideways"] });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => builder.AddQpGatewayAsync());

        Assert.Contains("Gateway:Silo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_synchronous_setup_refuses_the_co_hosted_silo_it_cannot_migrate_for()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--Gateway:Silo=in-process"] });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddQpGateway());

        Assert.Contains("AddQpGatewayAsync", error.Message, StringComparison.Ordinal);
    }
}
