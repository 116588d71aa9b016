using System.Globalization;
using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Gateway.Grpc.V1;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The worklist's two morning lists end to end, on both transports through the one operation: the families awaiting a
/// level decision, and those whose risk changed since an instant, whose instants survive the grains' deactivation.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class WorklistFiltersApiTests(GatewayFixture gateway)
{
    private readonly TestCaller _healthVisitor = TestCaller.ServiceWorker("health-visiting");

    [Fact]
    public async Task The_families_awaiting_a_decision_are_listed_and_flagged_on_both_transports()
    {
        var ward = Ids.Ward();
        var practitioner = TestCaller.EarlyIntervention(ward);
        var (_, raised) = await gateway.RegisteredFamilyAsync(ward);
        var (_, decided) = await gateway.RegisteredFamilyAsync(ward);
        var (_, calm) = await gateway.RegisteredFamilyAsync(ward);
        await RecordAsync(TestEvents.ConcernRaised(raised, "domestic-abuse"));
        await RecordAsync(TestEvents.ConcernRaised(decided, "domestic-abuse"));
        var (status, _) = await gateway.PutLevelAsync(practitioner, decided,
            $$"""{"eventId":"{{Ids.Event()}}","level":"universal-plus","reason":"agreed with the family"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        await gateway.DrainAsync();

        var all = await HttpItemsAsync($"/v1/worklist?ward={ward}", practitioner);
        Assert.Equal(
            new Dictionary<string, bool> { [raised] = true, [decided] = false, [calm] = false },
            all.ToDictionary(i => i.GetProperty("familyId").GetString()!, i => i.GetProperty("awaitingDecision").GetBoolean()));
        Assert.Equal([raised], FamilyIds(await HttpItemsAsync($"/v1/worklist?ward={ward}&awaitingDecision=true", practitioner)));
        Assert.Equal(new[] { calm, decided }.Order(StringComparer.Ordinal), FamilyIds(await HttpItemsAsync($"/v1/worklist?ward={ward}&awaitingDecision=false", practitioner)).Order(StringComparer.Ordinal));

        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var team = gateway.GrpcHeaders(practitioner);
        var awaiting = await wards.GetWorklistAsync(new WorklistRequest { Ward = ward, AwaitingDecision = true }, team);
        Assert.Equal([raised], awaiting.Items.Select(i => i.FamilyId));
        Assert.True(awaiting.Items[0].AwaitingDecision);
        Assert.Equal(1, awaiting.Total);
        var others = await wards.GetWorklistAsync(new WorklistRequest { Ward = ward, AwaitingDecision = false }, team);
        Assert.Equal(new[] { calm, decided }.Order(StringComparer.Ordinal), others.Items.Select(i => i.FamilyId).Order(StringComparer.Ordinal));

        using var http = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}&awaitingDecision=true", practitioner);
        SameOnBothTransports.AssertSame(await ContactApiTests.Json(http), awaiting);
    }

    [Fact]
    public async Task Changed_since_lists_the_families_whose_risk_changed_at_or_after_it_and_the_instants_survive_deactivation_on_both_transports()
    {
        var ward = Ids.Ward();
        var practitioner = TestCaller.EarlyIntervention(ward);
        var (_, first) = await gateway.RegisteredFamilyAsync(ward);
        var (_, second) = await gateway.RegisteredFamilyAsync(ward);
        var (_, quiet) = await gateway.RegisteredFamilyAsync(ward);
        var born = Ids.Family();
        await RecordAsync(TestEvents.ConcernRaised(first, "domestic-abuse"));
        await gateway.DrainAsync();
        var firstChanged = Line(await HttpItemsAsync($"/v1/worklist?ward={ward}", practitioner), first);

        // A later change, and one made through a child's event (the family's entry is saved later than it is published).
        await RecordAsync(TestEvents.ConcernRaised(second, "maternal-mental-health"));
        await RecordAsync(TestEvents.BirthNotified(born, Ids.Child(), ward));
        await gateway.DrainAsync();

        var before = await HttpItemsAsync($"/v1/worklist?ward={ward}", practitioner);
        var firstAt = At(Line(before, first), "riskChangedAt");
        var secondAt = At(Line(before, second), "riskChangedAt");
        Assert.Equal(firstAt, At(firstChanged, "riskChangedAt"));
        Assert.Equal(firstAt, At(Line(before, first), "levelChangedAt"));
        Assert.Equal("universal", Line(before, first).GetProperty("levelChangedFrom").GetString());
        Assert.True(secondAt > firstAt, $"{secondAt:O} after {firstAt:O}");
        Assert.Equal(JsonValueKind.Null, Line(before, quiet).GetProperty("riskChangedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, Line(before, quiet).GetProperty("levelChangedFrom").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, Line(before, born).GetProperty("riskChangedAt").ValueKind);

        await AssertListsAsync();

        // The family whose change came through its child saves its entry as it deactivates; the ward reloads every entry.
        var grains = gateway.GatewayServices.GetRequiredService<IGrainFactory>();
        foreach (var family in new[] { first, second, quiet, born })
        {
            await gateway.DeactivateAsync(grains.GetGrain<IFamilyGrain>(family));
        }

        await gateway.DeactivateAsync(grains.GetGrain<IWardGrain>(ward));
        var after = await HttpItemsAsync($"/v1/worklist?ward={ward}", practitioner);
        foreach (var family in new[] { first, second, quiet, born })
        {
            foreach (var field in new[] { "riskChangedAt", "levelChangedAt", "levelChangedFrom" })
            {
                Assert.Equal(Line(before, family).GetProperty(field).ToString(), Line(after, family).GetProperty(field).ToString());
            }
        }

        await AssertListsAsync();

        async Task AssertListsAsync()
        {
            var bornAt = At(Line(await HttpItemsAsync($"/v1/worklist?ward={ward}", practitioner), born), "riskChangedAt");
            string[] changed = bornAt >= firstAt ? [first, second, born] : [first, second];
            var sinceFirst = changed.Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(sinceFirst, await ChangedSinceOverHttpAsync(firstAt));
            Assert.Equal(sinceFirst, await ChangedSinceOverGrpcAsync(firstAt));
            Assert.DoesNotContain(first, await ChangedSinceOverHttpAsync(firstAt.AddTicks(1)));
            Assert.DoesNotContain(first, await ChangedSinceOverGrpcAsync(firstAt.AddTicks(1)));
            Assert.Contains(second, await ChangedSinceOverHttpAsync(secondAt.ToOffset(TimeSpan.FromHours(1))));
            Assert.Contains(second, await ChangedSinceOverGrpcAsync(secondAt));
            Assert.DoesNotContain(quiet, await ChangedSinceOverHttpAsync(DateTimeOffset.UnixEpoch));

            var wards = new WardsService.WardsServiceClient(gateway.Grpc);
            var grpc = await wards.GetWorklistAsync(new WorklistRequest { Ward = ward, ChangedSince = Timestamp.FromDateTimeOffset(firstAt) }, gateway.GrpcHeaders(practitioner));
            using var http = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}&changedSince={Instant(firstAt)}", practitioner);
            SameOnBothTransports.AssertSame(await ContactApiTests.Json(http), grpc);
            Assert.Equal("universal", grpc.Items.Single(i => i.FamilyId == first).LevelChangedFrom);
        }

        async Task<string[]> ChangedSinceOverHttpAsync(DateTimeOffset since) =>
            FamilyIds(await HttpItemsAsync($"/v1/worklist?ward={ward}&changedSince={Instant(since)}", practitioner)).Order(StringComparer.Ordinal).ToArray();

        async Task<string[]> ChangedSinceOverGrpcAsync(DateTimeOffset since) =>
            (await new WardsService.WardsServiceClient(gateway.Grpc).GetWorklistAsync(
                new WorklistRequest { Ward = ward, ChangedSince = Timestamp.FromDateTimeOffset(since) }, gateway.GrpcHeaders(practitioner)))
            .Items.Select(i => i.FamilyId).Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public async Task A_changed_since_that_is_no_timestamp_is_named_with_the_query_s_other_wrong_values()
    {
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var request = new WorklistRequest { Ward = "queens-park", Level = "high", PageSize = 9999, ChangedSince = new Timestamp { Nanos = -1 } };

        var error = await Assert.ThrowsAsync<RpcException>(() => wards.GetWorklistAsync(request, gateway.GrpcHeaders(TestCaller.EarlyIntervention("queens-park"))).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["changedSince", "level", "pageSize"], (error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? []).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(1_000_000_000, 0)]
    [InlineData(0, 253_402_300_800)]
    [InlineData(0, -62_135_596_801)]
    public async Task A_changed_since_that_is_no_timestamp_is_invalid_argument_naming_it(int nanos, long seconds)
    {
        var wards = new WardsService.WardsServiceClient(gateway.Grpc);
        var request = new WorklistRequest { Ward = "queens-park", ChangedSince = new Timestamp { Seconds = seconds, Nanos = nanos } };

        var error = await Assert.ThrowsAsync<RpcException>(() => wards.GetWorklistAsync(request, gateway.GrpcHeaders(TestCaller.EarlyIntervention("queens-park"))).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["changedSince"], error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field));
    }

    [Fact]
    public async Task The_new_filters_keep_the_worklists_rules_a_caller_outside_the_ward_is_refused_and_every_family_shown_is_audited()
    {
        var ward = Ids.Ward();
        var practitioner = TestCaller.EarlyIntervention(ward);
        var (_, raised) = await gateway.RegisteredFamilyAsync(ward);
        await RecordAsync(TestEvents.ConcernRaised(raised, "safeguarding"));
        await gateway.DrainAsync();

        using var outside = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}&awaitingDecision=true", TestCaller.EarlyIntervention(Ids.Ward()));
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        using var commission = await gateway.SendAsync(HttpMethod.Get, $"/v1/worklist?ward={ward}&changedSince={Instant(DateTimeOffset.UnixEpoch)}", TestCaller.Commissioner());
        Assert.Equal(HttpStatusCode.Forbidden, commission.StatusCode);

        Assert.Equal([raised], FamilyIds(await HttpItemsAsync($"/v1/worklist?ward={ward}&awaitingDecision=true&changedSince={Instant(DateTimeOffset.UnixEpoch)}", practitioner)));
        using var audit = await gateway.SendAsync(HttpMethod.Get, $"/v1/audit?family={raised}&user={practitioner.Subject}", TestCaller.Administrator());
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        var read = Assert.Single((await ContactApiTests.Json(audit)).GetProperty("items").EnumerateArray());
        Assert.Equal("worklist-read", read.GetProperty("action").GetString());
        Assert.Contains("awaiting decision True", read.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("changed since 1970-01-01T00:00:00.0000000+00:00", read.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task RecordAsync(System.Text.Json.Nodes.JsonObject contact)
    {
        using var response = await gateway.SendAsync(HttpMethod.Post, "/v1/contacts", _healthVisitor, contact.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonElement[]> HttpItemsAsync(string path, TestCaller caller)
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, path, caller);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ContactApiTests.Json(response)).GetProperty("items").EnumerateArray().ToArray();
    }

    private static string[] FamilyIds(IEnumerable<JsonElement> items) => items.Select(i => i.GetProperty("familyId").GetString()!).ToArray();

    private static JsonElement Line(IEnumerable<JsonElement> items, string familyId) => items.Single(i => i.GetProperty("familyId").GetString() == familyId);

    private static DateTimeOffset At(JsonElement item, string field) => item.GetProperty(field).GetDateTimeOffset();

    /// <summary>The instant as a query value: every tick, with its offset, the + escaped.</summary>
    private static string Instant(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O", CultureInfo.InvariantCulture));
}
