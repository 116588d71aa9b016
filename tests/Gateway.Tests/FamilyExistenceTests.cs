using System.Net;
using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>
/// What each role learns of a family id it sends: a family that exists outside its wards, one that does not exist, and one
/// it opens by breaking the glass (docs/security.md, "403 or 404: what an answer tells of a family"). Only the early
/// intervention role, which may break the glass, is told whether a family exists; every other role gets the same refusal
/// for both, from the policy and from the family grain behind it.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class FamilyExistenceTests(GatewayFixture gateway)
{
    private const string BreakGlassReason = "Child presented at A&E out of hours; safeguarding check";

    public static TheoryData<string> RolesThatMayNotOpenAFamily() => ["frontline-service", "frontline-champion", "commission", "admin"];

    [Theory]
    [MemberData(nameof(RolesThatMayNotOpenAFamily))]
    public async Task A_role_that_may_not_open_families_gets_the_same_refusal_for_a_family_that_exists_and_one_that_does_not(string role)
    {
        var (ward, existing) = await gateway.RegisteredFamilyAsync();
        var unknown = Ids.Family();
        var caller = role switch
        {
            "frontline-service" => TestCaller.ServiceWorker(),
            "frontline-champion" => TestCaller.ChampionOf("ch-" + Ids.Short(), ward),
            "commission" => TestCaller.Commissioner(),
            _ => TestCaller.Administrator(),
        };

        var answers = new List<(HttpStatusCode, string?)>();
        var grpcAnswers = new List<StatusCode>();
        foreach (var familyId in new[] { existing, unknown })
        {
            foreach (var reason in new[] { null, BreakGlassReason })
            {
                using var read = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", caller);
                if (reason is not null)
                {
                    read.Headers.Add("X-Break-Glass-Reason", reason);
                }

                using var response = await gateway.Http.SendAsync(read);
                answers.Add((response.StatusCode, await DetailAsync(response)));
            }

            var set = await gateway.PutLevelAsync(caller, familyId, LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", "Agreed at the team meeting"));
            answers.Add((set.Status, set.Receipt.TryGetProperty("detail", out var detail) ? detail.GetString() : null));
            grpcAnswers.Add((await Assert.ThrowsAsync<RpcException>(() => Families.GetRiskStatusAsync(
                new RiskStatusRequest { FamilyId = familyId, BreakGlassReason = BreakGlassReason }, gateway.GrpcHeaders(caller)).ResponseAsync)).StatusCode);
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Forbidden, a.Item1));
        Assert.Equal(answers[..3], answers[3..]);
        Assert.Equal([StatusCode.PermissionDenied, StatusCode.PermissionDenied], grpcAnswers);

        // Behind the policy, the family grain answers such a caller the same way for both: refused, never "not found".
        Assert.Equal((AccessOutcome.Forbidden, AccessOutcome.Forbidden), (await GrainReadAsync(caller, existing), await GrainReadAsync(caller, unknown)));
    }

    [Fact]
    public async Task An_early_intervention_practitioner_is_told_whether_a_family_outside_its_wards_exists_as_breaking_the_glass_needs_and_each_refusal_is_audited()
    {
        var (ward, existing) = await gateway.RegisteredFamilyAsync();
        var unknown = Ids.Family();
        var elsewhere = TestCaller.EarlyIntervention(Ids.Ward());
        var own = TestCaller.EarlyIntervention(ward);

        // Outside its wards: a family that exists asks for a reason (audited), one that does not is 404 (nothing to audit).
        using (var refused = await ReadAsync(elsewhere, existing, reason: null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("X-Break-Glass-Reason", (await ContactApiTests.Json(refused)).GetProperty("breakGlassHeader").GetString());
        }

        foreach (var reason in new[] { null, BreakGlassReason })
        {
            using var notFound = await ReadAsync(elsewhere, unknown, reason);
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        }

        using (var inOwnWards = await ReadAsync(own, unknown, reason: null))
        {
            Assert.Equal(HttpStatusCode.NotFound, inOwnWards.StatusCode);
        }

        var setRefused = await gateway.PutLevelAsync(elsewhere, existing, LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", "Agreed at the team meeting"));
        var setUnknown = await gateway.PutLevelAsync(elsewhere, unknown, LevelDecisionRetryTests.Decision(Ids.Event(), "universal-plus", "Agreed at the team meeting"));
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.NotFound), (setRefused.Status, setUnknown.Status));
        var overGrpc = await Assert.ThrowsAsync<RpcException>(() => Families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = existing }, gateway.GrpcHeaders(elsewhere)).ResponseAsync);
        var unknownOverGrpc = await Assert.ThrowsAsync<RpcException>(() => Families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = unknown }, gateway.GrpcHeaders(elsewhere)).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, StatusCode.NotFound), (overGrpc.StatusCode, unknownOverGrpc.StatusCode));

        // Every refusal that told the practitioner the family exists is on record, so probing for ids shows.
        var denials = await AuditAsync($"family={existing}&user={elsewhere.Subject}");
        Assert.Equal(3, denials.Length);
        Assert.All(denials, e => Assert.Equal("risk-status-denied", e.GetProperty("action").GetString()));
        Assert.Empty(await AuditAsync($"family={unknown}&user={elsewhere.Subject}"));

        // With a reason the family opens, and the read is audited as breaking the glass.
        using (var opened = await ReadAsync(elsewhere, existing, BreakGlassReason))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        var read = (await AuditAsync($"family={existing}&user={elsewhere.Subject}"))[0];
        Assert.Equal(("risk-status-read", true), (read.GetProperty("action").GetString(), read.GetProperty("breakGlass").GetBoolean()));
    }

    private FamiliesService.FamiliesServiceClient Families => new(gateway.Grpc);

    private async Task<HttpResponseMessage> ReadAsync(TestCaller caller, string familyId, string? reason)
    {
        using var request = gateway.Request(HttpMethod.Get, $"/v1/families/{familyId}/risk", caller);
        if (reason is not null)
        {
            request.Headers.Add("X-Break-Glass-Reason", reason);
        }

        return await gateway.Http.SendAsync(request);
    }

    private async Task<AccessOutcome> GrainReadAsync(TestCaller caller, string familyId)
    {
        CallerContext.Set(new Caller(caller.Subject, caller.Role, caller.Wards, caller.Service, caller.Champion));
        try
        {
            var family = gateway.GatewayServices.GetRequiredService<IGrainFactory>().GetGrain<IFamilyGrain>(familyId);
            return (await family.ReadRiskStatusAsync(new ReadPurpose("risk-status", BreakGlassReason))).Outcome;
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    private static async Task<string?> DetailAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return body.Length == 0 ? null : JsonDocument.Parse(body).RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
    }

    private async Task<JsonElement[]> AuditAsync(string query)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/audit?" + query, TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().ToArray();
    }
}
