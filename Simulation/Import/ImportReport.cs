using System.Globalization;
using CsvHelper;

namespace QpActors.Simulation.Import;

/// <summary>Writes the per-row outcome as CSV (<c>row,status,event_id,reason</c>) and counts the outcomes.</summary>
public static class ImportReport
{
    public static void WriteCsv(TextWriter writer, IEnumerable<ImportRowResult> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        // Reasons quote the file's own text, which a spreadsheet must not run as a formula.
        var options = new CsvWriterOptions { Injection = CsvInjection.Escape, NewLine = "\n" };
        using var csv = CsvWriter.Create(writer, options, leaveOpen: true);
        csv.WriteRecord(["row", "status", "event_id", "reason"]);
        foreach (var row in rows)
        {
            csv.WriteRecord([row.RowNumber.ToString(CultureInfo.InvariantCulture), StatusText(row.Status), row.EventId ?? "", row.Reason ?? ""]);
        }
    }

    public static string StatusText(ImportStatus status) => status switch
    {
        ImportStatus.Imported => "imported",
        ImportStatus.Duplicate => "duplicate",
        _ => "rejected",
    };
}
