using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QpActors.Gateway.Tests;

/// <summary>
/// Lists of identifiable records (the worklist, unreached infants, the live risk stream) are audited as reads: one row
/// per family or infant shown, for the person it was shown to, written before the list is returned.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ListReadAuditTests(GatewayFixture gateway)
{
    private readonly TestCaller _midwife = TestCaller.ServiceWorker("midwifery");

    [Fact]
    public async Task Every_family_on_a_worklist_page_is_audited_as_read_by_the_practitioner()
    {
        var (ward, families, _) = await TwoNewbornsAsync();
        await gateway.DrainAsync();

        var practitioner = TestCaller.EarlyIntervention(ward);
        var listed = await WorklistAsync(ward, practitioner);

        var rows = await AuditAsync($"user={practitioner.Subject}");
        Assert.Equal(families.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Equal(families.Order(StringComparer.Ordinal), rows.Select(r => r.GetProperty("familyId").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(rows, r =>
        {
            Assert.Equal("worklist-read", r.GetProperty("action").GetString());
            Assert.Equal("worklist", r.GetProperty("purpose").GetString());
            Assert.Equal("early-intervention", r.GetProperty("role").GetString());
            Assert.Contains(ward, r.GetProperty("detail").GetString(), StringComparison.Ordinal);
        });

        // The administrator's filter by family finds the list that showed it.
        var byFamily = await AuditAsync($"family={families[0]}&user={practitioner.Subject}");
        Assert.Equal("worklist-read", Assert.Single(byFamily).GetProperty("action").GetString());
    }

    [Fact]
    public async Task Every_unreached_infant_listed_is_audited_with_its_child_and_family()
    {
        var (ward, families, children) = await TwoNewbornsAsync();
        await gateway.DrainAsync();

        var champion = TestCaller.ChampionOf("champion-" + Ids.Short(), ward);
        var listed = await UnreachedAsync(ward, champion);

        var rows = await AuditAsync($"user={champion.Subject}");
        Assert.Equal(children.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Equal(children.Order(StringComparer.Ordinal), rows.Select(r => r.GetProperty("childId").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(families.Order(StringComparer.Ordinal), rows.Select(r => r.GetProperty("familyId").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal("unreached-read", r.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task The_families_in_a_risk_streams_snapshot_are_audited_before_it_is_sent()
    {
        var (ward, families, _) = await TwoNewbornsAsync();
        await gateway.DrainAsync();

        var subscriber = TestCaller.EarlyIntervention(ward);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = await WardApiTests.RiskStream.OpenAsync(gateway, ward, subscriber, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        var snapshot = await stream.NextAsync(cancel.Token);

        // Durable before the snapshot left the gateway, so already there to read.
        var rows = await AuditAsync($"user={subscriber.Subject}");
        Assert.Equal("snapshot", snapshot.Kind);
        var shown = JsonDocument.Parse(snapshot.Data).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("familyId").GetString()!);
        Assert.Equal(families.Order(StringComparer.Ordinal), shown.Order(StringComparer.Ordinal));
        Assert.Equal(families.Order(StringComparer.Ordinal), rows.Select(r => r.GetProperty("familyId").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(rows, r =>
        {
            Assert.Equal("risk-stream-read", r.GetProperty("action").GetString());
            Assert.Contains(snapshot.Id, r.GetProperty("detail").GetString(), StringComparison.Ordinal);
        });
    }

    /// <summary>Two births in a new ward, each in its own family.</summary>
    private async Task<(string Ward, string[] Families, string[] Children)> TwoNewbornsAsync()
    {
        var ward = Ids.Ward();
        string[] families = [Ids.Family(), Ids.Family()];
        string[] children = [Ids.Child(), Ids.Child()];
        var batch = new JsonArray(
            TestEvents.BirthNotified(families[0], children[0], ward),
            TestEvents.BirthNotified(families[1], children[1], ward));
        using var recorded = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts/batch", _midwife, batch.ToJsonString());
        Assert.Equal(2, (await ContactApiTests.Json(recorded)).GetProperty("accepted").GetInt32());
        return (ward, families, children);
    }

    private async Task<string[]> WorklistAsync(string ward, TestCaller caller)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}", caller);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("familyId").GetString()!).ToArray();
    }

    private async Task<string[]> UnreachedAsync(string ward, TestCaller caller)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, $"/v1/wards/{ward}/unreached", caller);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("childId").GetString()!).ToArray();
    }

    private async Task<JsonElement[]> AuditAsync(string query)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/v1/audit?" + query, TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().ToArray();
    }
}
