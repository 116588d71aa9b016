namespace QpActors.Bench.Tests;

public sealed class BenchArgsTests
{
    [Fact]
    public void Options_flags_and_equals_forms_are_read()
    {
        var args = BenchArgs.Parse(["grains", "--store", "postgres", "--seconds=3.5", "--quick", "--children", "10"]);
        Assert.Equal("grains", args.Command);
        Assert.Equal("postgres", args.Text("store", "sqlite"));
        Assert.Equal(3.5, args.Number("seconds", 1));
        Assert.True(args.Flag("quick"));
        Assert.Equal(10, args.Int("children", 1));
        Assert.Equal(64, args.Int("concurrency", 64));
        args.RejectUnknown();
    }

    [Theory]
    [InlineData("sqlite", QpActors.Persistence.StorageKind.Sqlite)]
    [InlineData("postgres", QpActors.Persistence.StorageKind.Postgres)]
    [InlineData("postgresql", QpActors.Persistence.StorageKind.Postgres)]
    public void A_store_is_read_by_either_name(string given, QpActors.Persistence.StorageKind expected)
    {
        Assert.Equal(expected, BenchArgs.Parse(["gateway", "--store", given]).Store());
        Assert.Equal(expected, BenchArgs.Parse(["memory", "--memory-store", given]).Store("memory-store"));
        Assert.Equal(QpActors.Persistence.StorageKind.Sqlite, BenchArgs.Parse(["grains"]).Store());
    }

    [Fact]
    public void An_unknown_store_is_a_usage_error_naming_the_option()
    {
        var error = Assert.Throws<BenchUsageException>(() => BenchArgs.Parse(["memory", "--memory-store", "postgress"]).Store("memory-store"));
        Assert.Contains("--memory-store", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "grains", "--chidlren", "5" }, "--chidlren")]
    [InlineData(new[] { "grains", "--seconds", "-1" }, "--seconds")]
    [InlineData(new[] { "--seconds", "1" }, "command")]
    [InlineData(new[] { "grains", "stray" }, "stray")]
    public void Mistakes_are_reported_by_name(string[] argv, string named)
    {
        var error = Assert.Throws<BenchUsageException>(() =>
        {
            var args = BenchArgs.Parse(argv);
            args.Int("children", 1);
            args.Number("seconds", 1);
            args.RejectUnknown();
        });
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
