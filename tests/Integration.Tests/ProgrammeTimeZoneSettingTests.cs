using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QpActors.Domain;
using QpActors.Domain.Schedule;
using QpActors.Grains;
using QpActors.Hosting;
using QpActors.Silo;

namespace QpActors.Integration.Tests;

/// <summary>The one setting that says which time zone's dates are the programme's days.</summary>
public sealed class ProgrammeTimeZoneSettingTests
{
    private static QpHostSettings Read(string? timeZone)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (timeZone is not null)
        {
            values["Programme:TimeZone"] = timeZone;
        }

        return QpHostSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), Path.GetTempPath());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Queens_park_keeps_its_days_in_london_unless_told_otherwise(string? timeZone)
    {
        Assert.Equal("Europe/London", Read(timeZone).Calendar.TimeZoneId);
    }

    [Fact]
    public void Another_programme_names_its_own_zone()
    {
        var calendar = Read("America/New_York").Calendar;

        Assert.Equal("America/New_York", calendar.TimeZoneId);
        Assert.Equal(new DateOnly(2025, 5, 31), calendar.DayOf(new DateTimeOffset(2025, 5, 31, 23, 30, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("Europe/Londn")]
    [InlineData("BST")]
    public void An_unknown_zone_stops_the_host_at_start_with_a_clear_error(string timeZone)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read(timeZone));

        Assert.StartsWith("Programme:TimeZone:", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{timeZone}' is not a time zone this machine knows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_silo_hands_its_grains_the_configured_calendar()
    {
        var settings = Read("America/New_York");

        // Wiring only: the silo is described, not started.
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.AddQpSilo(settings, settings.ToStorageSettings()));
        using var host = builder.Build();

        Assert.Same(settings.Calendar, host.Services.GetRequiredService<ProgrammeCalendar>());
        Assert.Same(settings.Calendar, host.Services.GetRequiredService<ReviewWindows>().Calendar);
        Assert.Same(settings.Calendar, host.Services.GetRequiredService<WardFiguresBuilder>().Calendar);
    }
}
