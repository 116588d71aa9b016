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
