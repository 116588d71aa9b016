using QpActors.Domain;

namespace QpActors.Domain.Tests;

public sealed class ValueListTests
{
    private static readonly IComparer<int> Ascending = Comparer<int>.Default;

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Keeping_the_last_items_is_inserting_then_dropping_the_first(int capacity)
    {
        ValueList<int> list = [10, 20, 30, 40, 50];

        // Every position: before the first, between each pair, after the last, and an item already present.
        foreach (var item in new[] { 5, 15, 25, 35, 45, 55, 30 })
        {
            var inserted = list.InsertSorted(item, Ascending);
            var expected = inserted.Count > capacity ? inserted.RemoveAt(0) : inserted;

            Assert.Equal(expected, list.InsertSortedKeepingLast(item, Ascending, capacity));
        }
    }

    [Fact]
    public void An_item_that_would_be_dropped_at_once_leaves_the_list_as_it_was()
    {
        ValueList<int> full = [10, 20, 30];

        Assert.Equal(full, full.InsertSortedKeepingLast(5, Ascending, 3));
        Assert.Equal([20, 30, 35], full.InsertSortedKeepingLast(35, Ascending, 3));
    }
}
