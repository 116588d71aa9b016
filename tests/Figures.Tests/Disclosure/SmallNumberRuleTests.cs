using QpActors.Figures.Disclosure;
using QpActors.Figures.Indicators;

namespace QpActors.Figures.Tests.Disclosure;

public sealed class SmallNumberRuleTests
{
    private static readonly string[] Wards = ["queens-park", "harrow-road", "westbourne", "church-street"];

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, null)]
    [InlineData(7, null)]
    [InlineData(8, 10)]
    [InlineData(12, 10)]
    [InlineData(13, 15)]
    [InlineData(22, 20)]
    [InlineData(23, 25)]
    [InlineData(328, 330)]
    [InlineData(692, 690)]
    [InlineData(1006, 1005)]
    [InlineData(1020, 1020)]
    public void Zero_stays_zero_1_to_7_are_hidden_and_the_rest_round_to_the_nearest_5(int count, int? published)
    {
        var result = SmallNumberRule.Publish(new DisclosureTable().Add("x", count));

        Assert.Equal(published, result.Values["x"]);
        Assert.Equal(published is null, result.Suppressed.Contains("x"));
    }

    [Fact]
    public void A_small_count_is_marked_primary()
    {
        var result = SmallNumberRule.Publish(new DisclosureTable().Add("x", 3));

        Assert.Equal(SuppressionKind.Primary, result.Reasons["x"].Kind);
        Assert.Contains("1 and 7", result.Reasons["x"].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentages_come_from_the_rounded_counts()
    {
        var result = SmallNumberRule.Publish(new DisclosureTable().Add("seen", 13).Add("known", 27));

        // 15 / 25, not 13 / 27 (48.1%): readers must be able to reproduce the figure from what is published.
        Assert.Equal(60.0, result.Percent("seen", "known"));
    }

    [Fact]
    public void Percentages_are_absent_when_a_count_is_hidden_or_the_denominator_is_zero()
    {
        var result = SmallNumberRule.Publish(new DisclosureTable().Add("small", 4).Add("zero", 0).Add("big", 40));

        Assert.Null(result.Percent("small", "big"));
        Assert.Null(result.Percent("big", "small"));
        Assert.Null(result.Percent("big", "zero"));
        Assert.Equal(0.0, result.Percent("zero", "big"));
        Assert.Throws<KeyNotFoundException>(() => result.Percent("big", "nope"));
    }

    [Fact]
    public void A_hidden_part_of_a_total_takes_a_second_part_with_it()
    {
        var table = new DisclosureTable().Add("total", 20).Add("a", 5).Add("b", 15).AddTotal("total", "a", "b");

        var result = SmallNumberRule.Publish(table);

        Assert.Equal(20, result.Values["total"]);
        Assert.Null(result.Values["a"]);
        Assert.Null(result.Values["b"]);
        Assert.Equal(SuppressionKind.Secondary, result.Reasons["b"].Kind);
        Assert.Contains("'a'", result.Reasons["b"].Explanation, StringComparison.Ordinal);
        Assert.Empty(Recoverability.RecoverableHiddenCells(table, result));
    }

    [Fact]
    public void The_second_cell_is_the_smallest_non_zero_part()
    {
        var table = new DisclosureTable()
            .Add("total", 45).Add("a", 3).Add("zero", 0).Add("c", 12).Add("d", 30)
            .AddTotal("total", "a", "zero", "c", "d");

        var result = SmallNumberRule.Publish(table);

        Assert.Equal(["a", "c"], result.Suppressed);
        Assert.Equal(0, result.Values["zero"]);
        Assert.Equal(30, result.Values["d"]);
    }

    [Fact]
    public void Without_other_non_zero_parts_the_total_is_hidden()
    {
        // "mirror" publishes the same children as "q" (e.g. C6ii's denominator is C6i's numerator).
        var table = new DisclosureTable()
            .Add("total", 43).Add("p", 3).Add("q", 40).AddTotal("total", "p", "q")
            .Add("mirror", 40).AddTotal("mirror", "q");

        var result = SmallNumberRule.Publish(table);

        Assert.Equal(["p", "q", "mirror"], result.Suppressed);
        Assert.Equal(SuppressionKind.Secondary, result.Reasons["mirror"].Kind);
        Assert.Empty(Recoverability.RecoverableHiddenCells(table, result));
    }

    [Fact]
    public void A_hidden_ward_cannot_be_recovered_from_the_area_minus_the_other_wards()
    {
        var table = new DisclosureTable();
        foreach (var (ward, count) in Wards.Zip([5, 30, 40, 50]))
        {
            table.Add(DisclosureTable.Key(ward, "unreached"), count);
        }

        table.AddAreaTotals("north-westminster", Wards);
        var result = SmallNumberRule.Publish(table);

        Assert.Equal(125, result.Values["north-westminster/unreached"]);
        Assert.Null(result.Values["queens-park/unreached"]);
        Assert.Null(result.Values["harrow-road/unreached"]);
        Assert.Equal(SuppressionKind.Secondary, result.Reasons["harrow-road/unreached"].Kind);
        Assert.Equal(40, result.Values["westbourne/unreached"]);
        Assert.Empty(Recoverability.RecoverableHiddenCells(table, result));
    }

    [Fact]
    public void Hiding_cascades_through_ward_and_area_relations_until_nothing_can_be_recovered()
    {
        var table = new DisclosureTable();
        foreach (var (ward, known, reached) in new[] { (Wards[0], 40, 36), (Wards[1], 300, 250), (Wards[2], 200, 180), (Wards[3], 260, 200) })
        {
            table.Add(DisclosureTable.Key(ward, "known"), known)
                .Add(DisclosureTable.Key(ward, "reached"), reached)
                .Add(DisclosureTable.Key(ward, "unreached"), known - reached)
                .AddTotal(DisclosureTable.Key(ward, "known"), DisclosureTable.Key(ward, "reached"), DisclosureTable.Key(ward, "unreached"));
        }

        table.AddAreaTotals("north-westminster", Wards);
        var result = SmallNumberRule.Publish(table);

        Assert.Contains("queens-park/reached", result.Suppressed);
        Assert.True(result.Suppressed.Count > 2);
        AssertSafe(table, result);
        Assert.Equal(800, result.Values["north-westminster/known"]);
    }

    [Fact]
    public void Publishing_is_stable_and_deterministic()
    {
        var table = new DisclosureTable();
        foreach (var (ward, count) in Wards.Zip([5, 9, 6, 100]))
        {
            table.Add(DisclosureTable.Key(ward, "x"), count);
        }

        table.AddAreaTotals("area", Wards);

        var first = SmallNumberRule.Publish(table);
        var second = SmallNumberRule.Publish(table);

        Assert.Equal(first.Suppressed, second.Suppressed);
        Assert.Equal(first.Values, second.Values);
        AssertSafe(table, first);
    }

    [Fact]
    public void Random_ward_and_area_tables_never_leave_a_hidden_cell_recoverable()
    {
        var random = new Random(20120401);
        for (var run = 0; run < 200; run++)
        {
            var table = new DisclosureTable();
            foreach (var ward in Wards)
            {
                var under1 = random.Next(0, 3) == 0 ? random.Next(0, 8) : random.Next(0, 60);
                var over1 = random.Next(0, 3) == 0 ? random.Next(0, 8) : random.Next(0, 200);
                table.Add(DisclosureTable.Key(ward, "under-1"), under1)
                    .Add(DisclosureTable.Key(ward, "over-1"), over1)
                    .Add(DisclosureTable.Key(ward, "all"), under1 + over1)
                    .AddTotal(DisclosureTable.Key(ward, "all"), DisclosureTable.Key(ward, "under-1"), DisclosureTable.Key(ward, "over-1"));
            }

            table.AddAreaTotals("area", Wards);
            var result = SmallNumberRule.Publish(table);

            AssertSafe(table, result);
        }
    }

    [Fact]
    public void Reach_cells_carry_their_relation_and_sum_to_the_area()
    {
        var table = new DisclosureTable();
        foreach (var (ward, unreached) in Wards.Zip([4, 80, 60, 90]))
        {
            table.AddReach(ward, new Figures.Reach.Reach(new DateOnly(2025, 3, 31), 300, 200, 150, 300 - unreached, unreached, 10, null, null, null, null));
        }

        table.AddAreaTotals("north-westminster", Wards);
        var result = SmallNumberRule.Publish(table);

        Assert.Null(result.Values["queens-park/unreached"]);
        Assert.Null(result.Values["queens-park/reached"]);
        Assert.Equal(300, result.Values["queens-park/known"]);
        Assert.Equal(1200, result.Values["north-westminster/known"]);
        AssertSafe(table, result);
    }

    [Fact]
    public void Indicator_cells_counting_the_same_children_are_hidden_together()
    {
        var table = new DisclosureTable();
        foreach (var (ward, cohort) in new[] { ("w1", 4), ("w2", 30) })
        {
            var values = new Dictionary<string, IndicatorValue>
            {
                ["C2"] = new(cohort, cohort, 100),
                ["C3"] = new(0, cohort, 0),
                ["C6i"] = new(20, 25, 80),
                ["C6ii"] = new(18, 20, 90),
            };
            table.AddIndicators(ward, values);
        }

        table.AddAreaTotals("area", "w1", "w2");
        var result = SmallNumberRule.Publish(table);

        Assert.Null(result.Values[FigureCells.Denominator("w2", "C2")]);
        Assert.Null(result.Values[FigureCells.Denominator("w2", "C3")]);
        Assert.Equal(20, result.Values[FigureCells.Numerator("w2", "C6i")]);
        Assert.Equal(20, result.Values[FigureCells.Denominator("w2", "C6ii")]);
        Assert.Contains(table.Constraints, c => c.TotalKey == FigureCells.Denominator("w1", "C6ii") && c.PartKeys.SequenceEqual([FigureCells.Numerator("w1", "C6i")]));
        AssertSafe(table, result);
    }

    [Fact]
    public void Tables_reject_bad_cells_and_relations()
    {
        var table = new DisclosureTable().Add("a", 1).Add("b", 2).Add("total", 4);

        Assert.Throws<ArgumentOutOfRangeException>(() => new DisclosureTable().Add("x", -1));
        Assert.Throws<ArgumentException>(() => table.Add("a", 5));
        Assert.Throws<ArgumentException>(() => table.AddTotal("total", "a", "missing"));
        Assert.Throws<ArgumentException>(() => table.AddTotal("total", "a", "b"));
        Assert.Throws<ArgumentException>(() => table.AddTotal("total", "total"));
        Assert.Throws<ArgumentException>(() => table.AddTotal("total"));
        Assert.Throws<ArgumentException>(() => new DisclosureTable().Add("w1/x", 1).Add("w2/y", 1).AddAreaTotals("area", "w1", "w2"));
    }

    private static void AssertSafe(DisclosureTable table, PublishedTable result)
    {
        foreach (var (key, value) in result.Values)
        {
            var raw = table.Cells[key];
            if (raw is >= 1 and <= 7)
            {
                Assert.Null(value);
            }
            else if (value is { } v)
            {
                Assert.Equal(0, v % 5);
                Assert.True(Math.Abs(v - raw) <= 2, $"{key}: {raw} published as {v}");
            }
        }

        Assert.All(table.Constraints, c => Assert.NotEqual(1, c.Keys.Count(result.Suppressed.Contains)));
        Assert.Empty(Recoverability.RecoverableHiddenCells(table, result));
        Assert.Equal(result.Suppressed.Count, result.Suppressed.Distinct().Count());
        Assert.Equal(result.Suppressed.Order(), result.Reasons.Keys.Order());
    }
}
