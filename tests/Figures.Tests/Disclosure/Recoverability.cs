using QpActors.Figures.Disclosure;

namespace QpActors.Figures.Tests.Disclosure;

/// <summary>
/// An attacker's view: the hidden cells are unknowns, every declared total is a linear equation; a hidden cell is
/// recovered exactly when its unit vector lies in the span of the equations.
/// </summary>
internal static class Recoverability
{
    public static IReadOnlyList<string> RecoverableHiddenCells(DisclosureTable table, PublishedTable published)
    {
        var hidden = published.Suppressed.ToList();
        var column = hidden.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i);
        var rows = new List<double[]>();
        foreach (var c in table.Constraints)
        {
            var row = new double[hidden.Count];
            if (column.TryGetValue(c.TotalKey, out var t))
            {
                row[t] += 1;
            }

            foreach (var p in c.PartKeys)
            {
                if (column.TryGetValue(p, out var i))
                {
                    row[i] -= 1;
                }
            }

            rows.Add(row);
        }

        var rank = Rank(rows);
        return hidden.Where((_, i) =>
        {
            var unit = new double[hidden.Count];
            unit[i] = 1;
            return Rank([.. rows, unit]) == rank;
        }).ToList();
    }

    private static int Rank(List<double[]> input)
    {
        var m = input.Select(r => (double[])r.Clone()).ToList();
        var rank = 0;
        var columns = m.Count == 0 ? 0 : m[0].Length;
        for (var col = 0; col < columns && rank < m.Count; col++)
        {
            var pivot = Enumerable.Range(rank, m.Count - rank).FirstOrDefault(r => Math.Abs(m[r][col]) > 1e-9, -1);
            if (pivot < 0)
            {
                continue;
            }

            (m[rank], m[pivot]) = (m[pivot], m[rank]);
            for (var r = 0; r < m.Count; r++)
            {
                if (r != rank && Math.Abs(m[r][col]) > 1e-9)
                {
                    var f = m[r][col] / m[rank][col];
                    for (var c = col; c < columns; c++)
                    {
                        m[r][c] -= f * m[rank][c];
                    }
                }
            }

            rank++;
        }

        return rank;
    }
}

public sealed class RecoverabilityTests
{
    [Fact]
    public void The_attackers_check_finds_a_lone_hidden_cell()
    {
        var table = new DisclosureTable().Add("total", 20).Add("a", 5).Add("b", 15).AddTotal("total", "a", "b");
        var onlyPrimary = new PublishedTable(
            new Dictionary<string, int?> { ["total"] = 20, ["a"] = null, ["b"] = 15 },
            ["a"],
            new Dictionary<string, SuppressionReason> { ["a"] = new(SuppressionKind.Primary, "test") });

        Assert.Equal(["a"], Recoverability.RecoverableHiddenCells(table, onlyPrimary));
    }
}
