using QpActors.Gateway.Application;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Tests;

/// <summary>How the risk stream pages through a ward's worklist, against a worklist that pages like the ward grain.</summary>
public sealed class WardUpdateSourceTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(450)]
    public async Task Every_family_is_read_whatever_page_size_the_grain_serves(int families)
    {
        var worklist = new FakeWorklist(families);

        var lines = await WardUpdateSource.ReadRiskLinesAsync("w-1", worklist.ReadAsync);

        Assert.Equal(worklist.Families.Select(f => f.FamilyId).Order(StringComparer.Ordinal), lines.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_ward_beyond_the_cap_is_followed_up_to_the_cap()
    {
        var worklist = new FakeWorklist(WardUpdateSource.MaxFamiliesFollowed + 150);

        var lines = await WardUpdateSource.ReadRiskLinesAsync("w-1", worklist.ReadAsync);

        Assert.Equal(WardUpdateSource.MaxFamiliesFollowed, lines.Count);
        Assert.Equal(WardUpdateSource.MaxFamiliesFollowed / FakeWorklist.GrainPageCap, worklist.Reads);
    }

    [Fact]
    public async Task A_family_ranked_up_between_two_pages_is_not_lost_the_worklist_is_read_again()
    {
        var worklist = new FakeWorklist(250);
        var last = worklist.Families[^1].FamilyId;

        // After the first page the last family rises to the top: page 2 repeats one family and skips it.
        worklist.AfterRead = read =>
        {
            if (read == 1)
            {
                var risen = worklist.Families[^1];
                worklist.Families.RemoveAt(worklist.Families.Count - 1);
                worklist.Families.Insert(0, risen);
            }
        };

        var lines = await WardUpdateSource.ReadRiskLinesAsync("w-1", worklist.ReadAsync);

        Assert.Equal(250, lines.Count);
        Assert.Contains(last, lines.Keys);
        Assert.Equal(4, worklist.Reads);
    }

    [Fact]
    public async Task A_worklist_that_never_holds_still_fails_the_read_rather_than_dropping_families()
    {
        var worklist = new FakeWorklist(250);
        worklist.AfterRead = _ => worklist.Families.Add(Item("f-new-" + worklist.Families.Count));

        await Assert.ThrowsAsync<InvalidOperationException>(() => WardUpdateSource.ReadRiskLinesAsync("w-1", worklist.ReadAsync));
    }

    private static WorklistItem Item(string familyId) =>
        new(familyId, 1.0, "universal", null, 0, [], [], new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));

    /// <summary>Pages as <c>WardGrain.GetWorklistAsync</c> does: the page size asked for, capped at 200.</summary>
    private sealed class FakeWorklist(int families)
    {
        public const int GrainPageCap = 200;

        public List<WorklistItem> Families { get; } = [.. Enumerable.Range(0, families).Select(i => Item($"f-{i:D5}"))];

        public Action<int>? AfterRead { get; set; }

        public int Reads { get; private set; }

        public Task<WorklistPage> ReadAsync(WorklistQuery query)
        {
            var size = Math.Clamp(query.PageSize, 1, GrainPageCap);
            var page = Math.Max(query.Page, 1);
            var result = new WorklistPage("w-1", [.. Families.Skip((page - 1) * size).Take(size)], page, size, Families.Count);
            Reads++;
            AfterRead?.Invoke(Reads);
            return Task.FromResult(result);
        }
    }
}
