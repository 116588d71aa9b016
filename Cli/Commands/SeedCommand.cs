using System.ComponentModel;
using System.Globalization;
using QpActors.Cli.Posting;
using QpActors.Simulation.Client;
using QpActors.Simulation.Generation;
using QpActors.Simulation.Security;
using Spectre.Console;
using Spectre.Console.Cli;

namespace QpActors.Cli.Commands;

internal sealed class SeedSettings : GatewaySettings
{
    [CommandOption("--ward <WARD>")]
    [Description("Ward preset (repeat for several): queens-park, harrow-road, westbourne, church-street.")]
    public string[] Wards { get; set; } = [];

    [CommandOption("--wards <N>")]
    [Description("Number of wards: the named ones, then the other presets, then synthetic copies (syn-ward-NNN).")]
    public int? WardCount { get; set; }

    [CommandOption("--children <N>")]
    [Description("Total children over the period (default: each preset's births per year).")]
    public int? Children { get; set; }

    [CommandOption("--seed <SEED>")]
    [Description("Random seed; the same seed gives the same events.")]
    [DefaultValue(42)]
    public int Seed { get; set; } = 42;

    [CommandOption("--as-of <DATE>")]
    [Description("As-of date (yyyy-MM-dd), the end of the period; default today in the programme's time zone.")]
    public string? AsOf { get; set; }

    [CommandOption("--time-zone <ZONE>")]
    [Description("The programme's time zone (the hosts' Programme:TimeZone), whose dates the events carry; default $Programme__TimeZone, else Europe/London.")]
    public string? TimeZone { get; set; }

    /// <summary>The zone given, else the hosts' own setting from the environment, else Queen's Park's.</summary>
    public string ProgrammeTimeZone =>
        TimeZone is { Length: > 0 } given ? given
        : Environment.GetEnvironmentVariable("Programme__TimeZone") is { Length: > 0 } set ? set
        : ProgrammeDays.QueensParkTimeZone;

    [CommandOption("--years <Y>")]
    [Description("Length of the period in years, ending at the as-of date.")]
    [DefaultValue(4)]
    public int Years { get; set; } = 4;

    [CommandOption("--late <FRACTION>")]
    [Description("Share of events phones send hours to weeks late.")]
    [DefaultValue(0.05)]
    public double Late { get; set; } = 0.05;

    [CommandOption("--duplicates <FRACTION>")]
    [Description("Share of events phones send twice.")]
    [DefaultValue(0.02)]
    public double Duplicates { get; set; } = 0.02;

    [CommandOption("--dry-run")]
    [Description("Print the totals and count the events without posting.")]
    public bool DryRun { get; set; }

    public override ValidationResult Validate()
    {
        var baseResult = base.Validate();
        if (!baseResult.Successful)
        {
            return baseResult;
        }

        if (AsOf is not null && !DateOnly.TryParseExact(AsOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return ValidationResult.Error("--as-of must be yyyy-MM-dd");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(ProgrammeTimeZone.Trim(), out _))
        {
            return ValidationResult.Error($"--time-zone: '{ProgrammeTimeZone}' is not a time zone this machine knows (a tz database name such as Europe/London)");
        }

        if (WardCount is < 1 or > 100_000)
        {
            return ValidationResult.Error("--wards must be between 1 and 100000");
        }

        return Years is < 1 or > 20 ? ValidationResult.Error("--years must be between 1 and 20") : ValidationResult.Success();
    }
}

internal sealed class SeedCommand : AsyncCommand<SeedSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SeedSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        GeneratorOptions options;
        ContactGenerator generator;
        try
        {
            var profiles = WardProfileSet.Default;
            var named = settings.Wards.Length > 0 ? settings.Wards : ["queens-park"];
            var wards = settings.WardCount is { } count ? profiles.Expand(named, count) : named;
            var calendar = ProgrammeDays.ForTimeZone(settings.ProgrammeTimeZone);
            var (start, end) = settings.AsOf is { } text
                ? GeneratorOptions.Ending(DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture), settings.Years)
                : GeneratorOptions.EndingToday(TimeProvider.System, calendar, settings.Years);
            options = new GeneratorOptions(settings.Seed, wards, settings.Children, start, end, settings.Late, settings.Duplicates) { Calendar = calendar };
            generator = new ContactGenerator(options, profiles);
        }
        catch (ArgumentException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]seed:[/] {ex.Message}");
            return ExitCodes.Failed;
        }

        WriteTotals(generator.Totals, options);
        try
        {
            return settings.DryRun
                ? await DryRunAsync(generator).ConfigureAwait(false)
                : await PostAsync(generator, settings, cancellationToken).ConfigureAwait(false);
        }
        catch (GatewayUnreachableException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]seed:[/] {ex.Message}");
            return ExitCodes.GatewayUnreachable;
        }
        catch (QpGatewayException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]seed:[/] the gateway refused a batch: {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]seed: cancelled[/]");
            return ExitCodes.Cancelled;
        }
    }

    private static async Task<int> DryRunAsync(ContactGenerator generator)
    {
        var byType = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var progress = Timeline(generator.Options);
        var sends = await ProgressDisplay.RunAsync("generating", "sends", sink =>
        {
            long count = 0;
            foreach (var contact in generator.Generate())
            {
                count++;
                if (!contact.IsDuplicateSend)
                {
                    byType[contact.Type] = byType.GetValueOrDefault(contact.Type) + 1;
                }

                if ((count & 1023) == 0)
                {
                    sink.Report(progress(contact.SentAt), count);
                }
            }

            return Task.FromResult(count);
        }).ConfigureAwait(false);

        var table = new Table().Title("Generated events (dry run, nothing posted)").AddColumn("type").AddColumn(new TableColumn("events").RightAligned());
        foreach (var (type, count) in byType)
        {
            table.AddRow(type, count.ToString("N0", CultureInfo.InvariantCulture));
        }

        table.AddRow("[bold]sends incl. duplicates[/]", sends.ToString("N0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        var diagnostics = generator.Diagnostics;
        AnsiConsole.MarkupLineInterpolated(
            $"[grey]peak open timelines {diagnostics.PeakActiveTimelines:N0}, peak look-ahead {diagnostics.PeakLookAhead:N0}[/]");
        return ExitCodes.Ok;
    }

    private static async Task<int> PostAsync(ContactGenerator generator, SeedSettings settings, CancellationToken cancellationToken)
    {
        var key = DevSigningKey.LoadOrCreate(settings.Data);
        using var http = new HttpClient { BaseAddress = settings.GatewayUri, Timeout = TimeSpan.FromSeconds(100) };
        var client = new QpClient(http);
        // The first few rejections are shown with their reasons: a generator and a gateway that disagree
        // about the wire format should be visible, not just counted.
        var shown = 0;
        void ShowRejection(object? _, ContactReceipt receipt)
        {
            if (receipt.Status != ContactReceipt.Rejected || Interlocked.Increment(ref shown) > 10)
            {
                return;
            }

            var reasons = string.Join("; ", (receipt.Errors ?? []).Select(e => $"{e.Field}: {e.Message}"));
            AnsiConsole.MarkupLine($"[red]rejected[/] {Markup.Escape(receipt.EventId)}: {Markup.Escape(reasons)}");
        }

        var poster = new ContactPoster<object?>(client, key, settings.BatchSize, settings.Parallel, ShowRejection, cancellationToken);
        var progress = Timeline(generator.Options);
        await ProgressDisplay.RunAsync("seeding", "events", async sink =>
        {
            long count = 0;
            foreach (var contact in generator.Generate())
            {
                cancellationToken.ThrowIfCancellationRequested();
                await poster.AddAsync(contact.RecordedBy, contact.WireJson, contact.EventId, null).ConfigureAwait(false);
                if ((++count & 255) == 0)
                {
                    sink.Report(progress(contact.SentAt), poster.Tally.Total);
                }
            }

            await poster.FlushAsync().ConfigureAwait(false);
            sink.Report(1, poster.Tally.Total);
            return count;
        }).ConfigureAwait(false);

        var tally = poster.Tally;
        var table = new Table().Title($"Posted to {Markup.Escape(settings.Gateway)}")
            .AddColumn("accepted").AddColumn("duplicate").AddColumn("rejected").AddColumn("total");
        table.AddRow(
            $"[green]{tally.Accepted:N0}[/]",
            $"{tally.Duplicate:N0}",
            tally.Rejected > 0 ? $"[red]{tally.Rejected:N0}[/]" : "0",
            $"{tally.Total:N0}");
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }

    private static void WriteTotals(SimulationTotals totals, GeneratorOptions options)
    {
        var table = new Table()
            .Caption("champions: community+maternity; social: share of families in social housing")
            .Title($"Synthetic neighbourhood, seed {options.Seed}, {options.Start:yyyy-MM-dd} to {options.End:yyyy-MM-dd}")
            .AddColumn("ward").AddColumn("births").AddColumn("registered").AddColumn("unreached")
            .AddColumn("families").AddColumn("social").AddColumn("champions").AddColumn("surveys");
        var shown = totals.Wards.Take(20).ToArray();
        foreach (var ward in shown)
        {
            table.AddRow(
                Markup.Escape(ward.Ward),
                ward.Births.ToString("N0", CultureInfo.InvariantCulture),
                ward.Registered.ToString("N0", CultureInfo.InvariantCulture),
                ward.Unreached.ToString("N0", CultureInfo.InvariantCulture),
                ward.Families.ToString("N0", CultureInfo.InvariantCulture),
                ward.SocialHousingShare.ToString("P0", CultureInfo.InvariantCulture),
                $"{ward.CommunityChampions}+{ward.MaternityChampions}",
                ward.Surveys.ToString("N0", CultureInfo.InvariantCulture));
        }

        if (totals.Wards.Count > shown.Length)
        {
            table.AddRow($"... {totals.Wards.Count - shown.Length} more", "", "", "", "", "", "", "");
        }

        table.AddRow(
            "[bold]total[/]",
            totals.Births.ToString("N0", CultureInfo.InvariantCulture),
            totals.Registered.ToString("N0", CultureInfo.InvariantCulture),
            totals.Unreached.ToString("N0", CultureInfo.InvariantCulture),
            totals.Families.ToString("N0", CultureInfo.InvariantCulture),
            "",
            $"{totals.CommunityChampions}+{totals.MaternityChampions}",
            totals.Surveys.ToString("N0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    /// <summary>Progress as the share of the simulated timeline already sent (bookings start up to 36 weeks early).</summary>
    private static Func<DateTimeOffset, double> Timeline(GeneratorOptions options)
    {
        var start = options.StartsAt.AddDays(-36 * 7);
        var span = (options.AsOf - start).TotalSeconds;
        return sentAt => (sentAt - start).TotalSeconds / span;
    }
}
