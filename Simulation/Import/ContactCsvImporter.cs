using System.Globalization;
using System.Text.Json.Nodes;
using CsvHelper;

namespace QpActors.Simulation.Import;

public enum ImportKind
{
    /// <summary>Birth notifications from maternity: <c>child_id,family_id,date_of_birth,ward_code[,notified_on]</c>.</summary>
    Births,

    /// <summary>Children's-centre registrations: <c>child_id,family_id,registered_on[,centre_id]</c>.</summary>
    Registrations,
}

/// <summary>
/// Streams a CSV of births or centre registrations row by row into wire-format events with deterministic
/// event ids, so importing the same file twice records nothing new. Layouts: docs/import.md.
/// </summary>
public sealed class ContactCsvImporter
{
    public const string BirthsRecorder = "service:midwifery";
    public const string RegistrationsRecorder = "service:childrens-centre";

    /// <summary>The wire format's dates are days on this zone's clocks (docs/design.md): Queen's Park's.</summary>
    public const string ProgrammeTimeZone = "Europe/London";

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "dd/MM/yyyy"];
    private static readonly DateOnly Earliest = new(2000, 1, 1);

    private readonly Dictionary<string, string> _knownWards;
    private readonly TimeProvider _clock;
    private readonly TimeZoneInfo _zone;

    /// <param name="programmeZone">The programme's time zone (default <see cref="ProgrammeTimeZone"/>): a date is a day there.</param>
    public ContactCsvImporter(IEnumerable<string> knownWards, TimeProvider? clock = null, TimeZoneInfo? programmeZone = null)
    {
        ArgumentNullException.ThrowIfNull(knownWards);
        _knownWards = knownWards.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(w => w, w => w, StringComparer.OrdinalIgnoreCase);
        _clock = clock ?? TimeProvider.System;
        _zone = programmeZone ?? TimeZoneInfo.FindSystemTimeZoneById(ProgrammeTimeZone);
    }

    public static string RecorderFor(ImportKind kind) => kind == ImportKind.Births ? BirthsRecorder : RegistrationsRecorder;

    public static string BirthEventId(string childId) => "import-births-" + childId;

    public static string RegistrationEventId(string childId, DateOnly registeredOn) =>
        $"import-reg-{childId}-{registeredOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    public IEnumerable<ImportRowResult> Read(ImportKind kind, TextReader reader) => kind switch
    {
        ImportKind.Births => ReadBirthNotifications(reader),
        ImportKind.Registrations => ReadCentreRegistrations(reader),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public IEnumerable<ImportRowResult> ReadBirthNotifications(TextReader reader) =>
        ReadRows(reader, ["child_id", "family_id", "date_of_birth", "ward_code"], ["notified_on"], BirthRow);

    public IEnumerable<ImportRowResult> ReadCentreRegistrations(TextReader reader) =>
        ReadRows(reader, ["child_id", "family_id", "registered_on"], ["centre_id"], RegistrationRow);

    private static IEnumerable<ImportRowResult> ReadRows(
        TextReader reader,
        string[] required,
        string[] optional,
        Func<Row, ImportRowResult> convert)
    {
        ArgumentNullException.ThrowIfNull(reader);

        // The reader scans ahead, so bad quoting is remembered by record number until that record is read.
        var malformed = new Dictionary<long, CsvMalformedReason>();
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            TrimWhitespace = true,
            SkipEmptyLines = true,
            TrackLineNumbers = true,

            // One unbalanced quote must not swallow the rest of the file.
            AllowLineBreaksInQuotes = false,
            MalformedData = CsvMalformedDataHandling.Recover,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            OnMalformedRecord = record => malformed[record.RecordNumber] = record.Reason,
        };
        using var csv = CsvReader.Create(reader, options, leaveOpen: true);
        string[] columns;
        try
        {
            columns = csv.Headers.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        }
        catch (CsvFormatException ex)
        {
            throw new CsvImportException("the header row cannot be read: " + ex.Message, ex);
        }

        if (columns.Length == 0 || columns.All(c => c.Length == 0))
        {
            throw new CsvImportException("the file is empty: expected a header row");
        }

        var missing = required.Where(r => !columns.Contains(r)).ToArray();
        if (missing.Length > 0)
        {
            throw new CsvImportException($"missing column(s): {string.Join(", ", missing)} (header: {string.Join(",", columns)})");
        }

        var unknown = columns.Where(c => !required.Contains(c) && !optional.Contains(c)).ToArray();
        if (unknown.Length > 0)
        {
            throw new CsvImportException($"unknown column(s): {string.Join(", ", unknown)}");
        }

        var index = columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);

        // Remembers ids already seen in this file so a repeated row is reported, not posted twice.
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        while (true)
        {
            bool more;
            CsvFormatException? failure = null;
            try
            {
                more = csv.Read();
            }
            catch (CsvFormatException ex)
            {
                more = false;
                failure = ex;
            }

            if (failure is not null)
            {
                // Only an oversized record gets here; the reader cannot go on past it.
                yield return ImportRowResult.Rejected((int)failure.LineNumber, "malformed row: " + failure.Message.Split('\n')[0]);
            }

            if (!more)
            {
                yield break;
            }

            var rowNumber = (int)csv.LineNumber;
            if (malformed.Remove(csv.RowNumber + 1, out var reason))
            {
                yield return ImportRowResult.Rejected(rowNumber, "malformed row: " + Describe(reason));
                continue;
            }

            if (csv.FieldCount != columns.Length)
            {
                yield return ImportRowResult.Rejected(rowNumber, $"malformed row: expected {columns.Length} fields, found {csv.FieldCount}");
                continue;
            }

            var row = new Row(rowNumber, name => index.TryGetValue(name, out var i) ? NullIfEmpty(csv.GetString(i)) : null);
            var result = convert(row);
            if (result.Status == ImportStatus.Imported && result.EventId is { } eventId)
            {
                if (seen.TryGetValue(eventId, out var firstRow))
                {
                    result = new ImportRowResult(rowNumber, ImportStatus.Duplicate, $"same event as row {firstRow}", eventId, null);
                }
                else
                {
                    seen[eventId] = rowNumber;
                }
            }

            yield return result;
        }
    }

    private static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "stray quote inside a field",
        CsvMalformedReason.TextAfterClosingQuote => "text after a closing quote",
        CsvMalformedReason.UnterminatedQuote => "quote never closed",
        CsvMalformedReason.LineBreakInQuotes => "quote never closed on its line",
        CsvMalformedReason.FieldCountMismatch => "wrong number of fields",
        _ => reason.ToString(),
    };

    private ImportRowResult BirthRow(Row row)
    {
        if (!TryId(row, "child_id", out var childId, out var problem) || !TryId(row, "family_id", out var familyId, out problem))
        {
            return ImportRowResult.Rejected(row.Number, problem);
        }

        if (!TryDate(row, "date_of_birth", required: true, out var dateOfBirth, out problem))
        {
            return ImportRowResult.Rejected(row.Number, problem);
        }

        var wardText = row.Field("ward_code");
        if (wardText is null)
        {
            return ImportRowResult.Rejected(row.Number, "missing ward_code");
        }

        if (!_knownWards.TryGetValue(wardText, out var ward))
        {
            return ImportRowResult.Rejected(row.Number, $"unknown ward '{wardText}'");
        }

        if (!TryDate(row, "notified_on", required: false, out var notifiedOn, out problem))
        {
            return ImportRowResult.Rejected(row.Number, problem);
        }

        if (notifiedOn < dateOfBirth)
        {
            return ImportRowResult.Rejected(row.Number, "notified_on is before date_of_birth");
        }

        var eventId = BirthEventId(childId);
        if (!ContactIds.IsValid(eventId))
        {
            return ImportRowResult.Rejected(row.Number, $"child_id too long for an event id (at most {ContactIds.MaxLength - 14} characters)");
        }

        var contact = new JsonObject
        {
            ["eventId"] = eventId,
            ["type"] = "birth-notified",
            ["occurredAt"] = Midnight(notifiedOn ?? dateOfBirth!.Value),
            ["familyId"] = familyId,
            ["childId"] = childId,
            ["data"] = new JsonObject
            {
                ["dateOfBirth"] = IsoDate(dateOfBirth!.Value),
                ["wardCode"] = ward,
            },
        };
        return new ImportRowResult(row.Number, ImportStatus.Imported, null, eventId, contact);
    }

    private ImportRowResult RegistrationRow(Row row)
    {
        if (!TryId(row, "child_id", out var childId, out var problem) || !TryId(row, "family_id", out var familyId, out problem))
        {
            return ImportRowResult.Rejected(row.Number, problem);
        }

        if (!TryDate(row, "registered_on", required: true, out var registeredOn, out problem))
        {
            return ImportRowResult.Rejected(row.Number, problem);
        }

        var centreId = row.Field("centre_id");
        if (centreId is not null && !ContactIds.IsValid(centreId))
        {
            return ImportRowResult.Rejected(row.Number, $"bad centre_id '{centreId}': use 1-128 of A-Z a-z 0-9 . _ : -");
        }

        var eventId = RegistrationEventId(childId, registeredOn!.Value);
        if (!ContactIds.IsValid(eventId))
        {
            return ImportRowResult.Rejected(row.Number, $"child_id too long for an event id (at most {ContactIds.MaxLength - 22} characters)");
        }

        var data = new JsonObject();
        if (centreId is not null)
        {
            data["centreId"] = centreId;
        }

        var contact = new JsonObject
        {
            ["eventId"] = eventId,
            ["type"] = "centre-registered",
            ["occurredAt"] = Midnight(registeredOn.Value),
            ["familyId"] = familyId,
            ["childId"] = childId,
            ["data"] = data,
        };
        return new ImportRowResult(row.Number, ImportStatus.Imported, null, eventId, contact);
    }

    private static bool TryId(Row row, string column, out string id, out string problem)
    {
        id = row.Field(column) ?? "";
        problem = "";
        if (id.Length == 0)
        {
            problem = "missing " + column;
            return false;
        }

        if (!ContactIds.IsValid(id))
        {
            problem = $"bad {column} '{id}': use 1-128 of A-Z a-z 0-9 . _ : -";
            return false;
        }

        return true;
    }

    private bool TryDate(Row row, string column, bool required, out DateOnly? date, out string problem)
    {
        date = null;
        problem = "";
        var text = row.Field(column);
        if (text is null)
        {
            if (required)
            {
                problem = "missing " + column;
            }

            return !required;
        }

        if (!DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            problem = $"bad date in {column} '{text}': use yyyy-MM-dd";
            return false;
        }

        if (parsed < Earliest)
        {
            problem = $"bad date in {column} '{text}': before 2000-01-01";
            return false;
        }

        // Today on the programme's clocks, as the gateway judges a date: in summer London's day starts an hour before UTC's.
        if (parsed > DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(_clock.GetUtcNow(), _zone).DateTime))
        {
            problem = $"bad date in {column} '{text}': in the future";
            return false;
        }

        date = parsed;
        return true;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string IsoDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// The programme's midnight starting a past-or-today date, with its offset: on that day wherever it is counted, and
    /// never "in the future" for the gateway (midnight UTC is, for the first hour of a day in British Summer Time).
    /// </summary>
    private JsonValue Midnight(DateOnly date)
    {
        var midnight = date.ToDateTime(TimeOnly.MinValue);

        // London's clocks change at 01:00 and 02:00, so its midnight is one instant. In a zone whose midnight comes
        // twice the first is taken; one whose midnight is skipped reads it in the offset before the change.
        var offset = _zone.IsAmbiguousTime(midnight) ? _zone.GetAmbiguousTimeOffsets(midnight).Max() : _zone.GetUtcOffset(midnight);
        // A JSON date-time value, written as 2024-05-01T00:00:00+01:00 (a string node would escape the plus sign).
        return JsonValue.Create(new DateTimeOffset(midnight, offset));
    }

    private sealed record Row(int Number, Func<string, string?> Field);
}
