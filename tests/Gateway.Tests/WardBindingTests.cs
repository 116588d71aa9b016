using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using QpActors.Gateway.Grpc.V1;

namespace QpActors.Gateway.Tests;

/// <summary>
/// An early intervention token is bound to its wards: a family belongs to the ward its latest event puts it in, and the
/// family's risk, its place on a worklist and its children among the unreached all follow it there together.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class WardBindingTests(GatewayFixture gateway)
{
    private readonly TestCaller _midwife = TestCaller.ServiceWorker("midwifery");

    [Fact]
    public async Task A_family_that_moved_is_open_to_its_new_wards_team_and_closed_to_its_old_one_on_every_read()
    {
        var (from, to) = (Ids.Ward(), Ids.Ward());
        var familyId = Ids.Family();
        var childId = Ids.Child();
        await RecordAsync(TestEvents.FamilyRegistered(familyId, from), TestEvents.BirthNotified(familyId, childId, from));
        await RecordAsync(TestEvents.Event(null, "family-details-changed", familyId, null, new JsonObject { ["wardCode"] = to }, DateTimeOffset.UtcNow));
        await gateway.DrainAsync();

        await AssertBoundToAsync(to, from, familyId, childId);
    }

    [Fact]
    public async Task A_family_registered_in_one_ward_whose_child_is_born_in_another_belongs_to_the_birth_records_ward()
    {
        var (registered, born) = (Ids.Ward(), Ids.Ward());
        var familyId = Ids.Family();
        var childId = Ids.Child();
        await RecordAsync(TestEvents.Event(null, "family-registered", familyId, null,
            new JsonObject { ["wardCode"] = registered, ["housing"] = "social-rented", ["youngParent"] = false, ["gpRegistered"] = true },
            DateTimeOffset.UtcNow.AddDays(-30)));
        await RecordAsync(TestEvents.BirthNotified(familyId, childId, born));
        await gateway.DrainAsync();

        await AssertBoundToAsync(born, registered, familyId, childId);
    }

    [Theory]
    [InlineData("Queens-Park")]
    [InlineData("QUEENS-PARK")]
    [InlineData("queens%2Dpark%20")]
    public async Task A_ward_code_in_another_case_or_encoding_is_a_bad_ward_not_another_ward(string ward)
    {
        var caller = TestCaller.EarlyIntervention("queens-park");

        using var worklist = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}", caller);
        using var unreached = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/unreached", caller);

        Assert.Equal(HttpStatusCode.BadRequest, worklist.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unreached.StatusCode);
    }

    [Fact]
    public async Task A_token_whose_ward_claim_differs_only_in_case_opens_nothing()
    {
        var ward = Ids.Ward();
        var familyId = Ids.Family();
        await RecordAsync(TestEvents.FamilyRegistered(familyId, ward));
        var shouting = TestCaller.EarlyIntervention(ward.ToUpperInvariant());

        using var worklist = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}", shouting);
        using var risk = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", shouting);

        Assert.Equal(HttpStatusCode.Forbidden, worklist.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, risk.StatusCode);
    }

    /// <summary>
    /// The family and its child are in <paramref name="ward"/>, on both transports: its team reads the risk, the worklist
    /// and the unreached infants with them; the team of <paramref name="other"/> needs the glass broken for the risk and
    /// sees neither on its lists.
    /// </summary>
    private async Task AssertBoundToAsync(string ward, string other, string familyId, string childId)
    {
        var team = TestCaller.EarlyIntervention(ward);
        var otherTeam = TestCaller.EarlyIntervention(other);

        using (var read = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", team))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using (var refused = await gateway.SendAsync(HttpMethod.Get, $"/v1/families/{familyId}/risk", otherTeam))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var families = new FamiliesService.FamiliesServiceClient(gateway.Grpc);
        Assert.Equal(familyId, (await families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(team))).FamilyId);
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            families.GetRiskStatusAsync(new RiskStatusRequest { FamilyId = familyId }, gateway.GrpcHeaders(otherTeam)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);

        Assert.Equal([familyId], await ListAsync($"/v1/worklist?ward={ward}", team, "familyId"));
        Assert.Empty(await ListAsync($"/v1/worklist?ward={other}", otherTeam, "familyId"));
        Assert.Equal([childId], await ListAsync($"/v1/wards/{ward}/unreached", team, "childId"));
        Assert.Empty(await ListAsync($"/v1/wards/{other}/unreached", otherTeam, "childId"));
    }

    private async Task RecordAsync(params JsonObject[] events)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, new JsonArray(events).ToJsonString());
        Assert.Equal(events.Length, (await ContactApiTests.Json(response)).GetProperty("accepted").GetInt32());
    }

    private async Task<string[]> ListAsync(string path, TestCaller caller, string field)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, path, caller);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty(field).GetString()!).ToArray();
    }
}
