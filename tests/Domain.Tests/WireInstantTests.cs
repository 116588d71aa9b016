using QpActors.Domain.Events;

namespace QpActors.Domain.Tests;

public sealed class WireInstantTests
{
    [Theory]
    [InlineData("2026-11-20T10:15:00Z", "2026-11-20T10:15:00+00:00")]
    [InlineData("2026-11-20T10:15Z", "2026-11-20T10:15:00+00:00")]
    [InlineData("2026-06-01T10:15:00.1234567+01:00", "2026-06-01T10:15:00.1234567+01:00")]
    [InlineData("2026-11-20T05:15:00-05:00", "2026-11-20T05:15:00-05:00")]
    public void An_instant_with_an_offset_is_read_with_its_offset(string text, string expected)
    {
        Assert.True(WireInstant.TryParse(text, out var instant));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), instant);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).Offset, instant.Offset);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("2026-11-20")]
    [InlineData("2026-11-20T10:15:00")]
    [InlineData("2026-11-20 10:15:00Z")]
    [InlineData("2026-11-20T10:15:00 01:00")]
    [InlineData("2026-13-01T10:15:00Z")]
    [InlineData("2026-02-30T10:15:00Z")]
    [InlineData("yesterday")]
    [InlineData("1763633700")]
    public void Anything_else_is_not_an_instant(string? text)
    {
        Assert.False(WireInstant.TryParse(text, out _));
    }
}
