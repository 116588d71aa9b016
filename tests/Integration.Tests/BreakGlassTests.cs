using QpActors.Grains.Interfaces;

namespace QpActors.Integration.Tests;

/// <summary>The family grain's own check of a break-glass reason, behind the gateway's.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BreakGlassTests(ClusterFixture fixture)
{
    private readonly Contacts _contacts = new(fixture.Clock, Guid.NewGuid().ToString("N")[..8]);

    [Theory]
    [InlineData(500, AccessOutcome.Granted)]
    [InlineData(501, AccessOutcome.OutOfScope)]
    public async Task A_break_glass_reason_longer_than_the_maximum_is_no_reason_and_its_denial_is_audited(int length, AccessOutcome expected)
    {
        Assert.Equal(500, BreakGlass.MaximumReasonLength);
        var family = _contacts.NewId("f");
        var user = _contacts.NewId("ei");
        var grain = fixture.Client.GetGrain<IFamilyGrain>(family);
        await grain.RecordAsync(_contacts.FamilyRegistered(family, fixture.Clock.GetUtcNow().AddDays(-1)));
        var reason = "covering a colleague's caseload: ".PadRight(length, 'x');

        FamilyRiskRead read;
        AuditLogPage audit;
        try
        {
            CallerContext.Set(new Caller(user, Roles.EarlyIntervention, ["westbourne"], null, null));
            read = await grain.ReadRiskStatusAsync(new ReadPurpose("review", "  " + reason + "  "));

            // The log is read up to the instant of the read, exclusive; this clock stands still until moved.
            fixture.Clock.Advance(TimeSpan.FromMilliseconds(1));
            CallerContext.Set(new Caller("admin-1", Roles.Admin, [], null, null));
            audit = await fixture.Client.GetGrain<IAuditGrain>(0).QueryAsync(new AuditLogQuery(user, family, null, null, 1, 10));
        }
        finally
        {
            CallerContext.Clear();
        }

        Assert.Equal(expected, read.Outcome);
        var entry = Assert.Single(audit.Items);
        if (expected == AccessOutcome.Granted)
        {
            Assert.Equal(("risk-status-read", true, reason), (entry.Action, entry.BreakGlass, entry.Reason));
        }
        else
        {
            Assert.Equal(("risk-status-denied", false), (entry.Action, entry.BreakGlass));
            Assert.DoesNotContain("covering", entry.Reason, StringComparison.Ordinal);
        }
    }
}
