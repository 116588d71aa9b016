using System.ComponentModel;
using System.Globalization;
using System.Text;
using QpActors.Cli.Posting;
using QpActors.Simulation.Client;
using QpActors.Simulation.Generation;
using QpActors.Simulation.Import;
using QpActors.Simulation.Security;
using Spectre.Console;
using Spectre.Console.Cli;

namespace QpActors.Cli.Commands;

internal sealed class ImportSettings : GatewaySettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("The CSV file (layouts: docs/import.md).")]
    public string File { get; set; } = "";

    [CommandOption("--report <CSV>")]
    [Description("Write the per-row outcome (row,status,event_id,reason) to this file.")]
    public string? Report { get; set; }

    [CommandOption("--ward <WARD>")]
    [Description("Accept this ward code besides the presets (repeat for several).")]
    public string[] ExtraWards { get; set; } = [];

    [CommandOption("--dry-run")]
    [Description("Check the file and report, without posting.")]
    public bool DryRun { get; set; }

    public override ValidationResult Validate()
    {
        var baseResult = base.Validate();
        if (!baseResult.Successful)
        {
            return baseResult;
        }

        return System.IO.File.Exists(File) ? ValidationResult.Success() : ValidationResult.Error($"no such file: {File}");
    }
}

/// <summary>
/// Imports births (posting as service:midwifery) or centre registrations (as service:childrens-centre),
/// reporting every row: imported, duplicate or rejected with the reason.
/// </summary>
internal sealed class ImportCommand : AsyncCommand<ImportSettings>
{
    private const int RejectedRowsShown = 50;

    public override async Task<int> ExecuteAsync(CommandContext context, ImportSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var kind = context.Data is ImportKind k ? k : ImportKind.Births;
        var importer = new ContactCsvImporter(WardProfileSet.Default.Codes.Concat(settings.ExtraWards));
        var outcomes = new List<ImportRowResult>();
        try
        {
            await ProgressDisplay.RunAsync($"import {kind.ToString().ToLowerInvariant()}", "rows", sink =>
                settings.DryRun
                    ? Task.FromResult(Check(importer, kind, settings, outcomes, sink))
                    : ImportAsync(importer, kind, settings, outcomes, sink, cancellationToken)).ConfigureAwait(false);
        }
        catch (CsvImportException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]import:[/] {settings.File}: {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (GatewayUnreachableException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]import:[/] {ex.Message}");
            return ExitCodes.GatewayUnreachable;
        }
        catch (QpGatewayException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]import:[/] the gateway refused a batch: {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]import: cancelled[/]");
            return ExitCodes.Cancelled;
        }

        outcomes.Sort((x, y) => x.RowNumber.CompareTo(y.RowNumber));
        WriteSummary(outcomes, settings.DryRun);
        if (settings.Report is { } reportPath)
        {
            await using var writer = new StreamWriter(reportPath, append: false, new UTF8Encoding(false));
            ImportReport.WriteCsv(writer, outcomes);
            AnsiConsole.MarkupLineInterpolated($"report written to {reportPath}");
        }

        return ExitCodes.Ok;
    }

    private static int Check(ContactCsvImporter importer, ImportKind kind, ImportSettings settings, List<ImportRowResult> outcomes, IProgressSink sink)
    {
        using var stream = System.IO.File.OpenRead(settings.File);
        using var reader = new StreamReader(stream);
        foreach (var row in importer.Read(kind, reader))
        {
            outcomes.Add(row with { Event = null });
            sink.Report(Fraction(stream), outcomes.Count);
        }

        return outcomes.Count;
    }

    private static async Task<int> ImportAsync(
        ContactCsvImporter importer,
        ImportKind kind,
        ImportSettings settings,
        List<ImportRowResult> outcomes,
        IProgressSink sink,
        CancellationToken cancellationToken)
    {
        var key = DevSigningKey.LoadOrCreate(settings.Data);
        using var http = new HttpClient { BaseAddress = settings.GatewayUri, Timeout = TimeSpan.FromSeconds(100) };
        var gate = new Lock();
        void Record(ImportRowResult row)
        {
            lock (gate)
            {
                outcomes.Add(row with { Event = null });
            }
        }

        var poster = new ContactPoster<ImportRowResult>(
            new QpClient(http), key, settings.BatchSize, settings.Parallel, (row, receipt) => Record(row.WithReceipt(receipt)), cancellationToken);
        var recorder = ContactCsvImporter.RecorderFor(kind);
        using var stream = System.IO.File.OpenRead(settings.File);
        using var reader = new StreamReader(stream);
        var rows = 0;
        foreach (var row in importer.Read(kind, reader))
        {
            cancellationToken.ThrowIfCancellationRequested();
            rows++;
            if (row is { Status: ImportStatus.Imported, Event: { } contact, EventId: { } eventId })
            {
                await poster.AddAsync(recorder, contact.ToJsonString(), eventId, row).ConfigureAwait(false);
            }
            else
            {
                Record(row);
            }

            sink.Report(Fraction(stream), rows);
        }

        await poster.FlushAsync().ConfigureAwait(false);
        return rows;
    }

    private static double Fraction(FileStream stream) => stream.Length == 0 ? 1 : (double)stream.Position / stream.Length;

    private static void WriteSummary(List<ImportRowResult> outcomes, bool dryRun)
    {
        var rejected = outcomes.Where(o => o.Status == ImportStatus.Rejected).ToArray();
        if (rejected.Length > 0)
        {
            var rows = new Table().Title("Rejected rows").AddColumn("row").AddColumn("reason");
            foreach (var row in rejected.Take(RejectedRowsShown))
            {
                rows.AddRow(row.RowNumber.ToString(CultureInfo.InvariantCulture), Markup.Escape(row.Reason ?? ""));
            }

            if (rejected.Length > RejectedRowsShown)
            {
                rows.AddRow("...", $"{rejected.Length - RejectedRowsShown} more (use --report)");
            }

            AnsiConsole.Write(rows);
        }

        var summary = new Table().Title(dryRun ? "Checked (dry run, nothing posted)" : "Import")
            .AddColumn(dryRun ? "ready" : "imported").AddColumn("duplicate").AddColumn("rejected").AddColumn("rows");
        summary.AddRow(
            $"[green]{outcomes.Count(o => o.Status == ImportStatus.Imported):N0}[/]",
            $"{outcomes.Count(o => o.Status == ImportStatus.Duplicate):N0}",
            rejected.Length > 0 ? $"[red]{rejected.Length:N0}[/]" : "0",
            $"{outcomes.Count:N0}");
        AnsiConsole.Write(summary);
    }
}
