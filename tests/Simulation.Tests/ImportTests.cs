using Microsoft.Extensions.Time.Testing;
using QpActors.Simulation.Client;
using QpActors.Simulation.Import;

namespace QpActors.Simulation.Tests;

public sealed class ImportTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private static ContactCsvImporter Importer() => new(["queens-park", "westbourne"], Clock);

    private static List<ImportRowResult> Births(string csv) => Importer().ReadBirthNotifications(new StringReader(csv)).ToList();

    private static List<ImportRowResult> Registrations(string csv) => Importer().ReadCentreRegistrations(new StringReader(csv)).ToList();

    [Fact]
    public void A_births_file_gives_the_exact_per_row_report()
    {
        const string Csv = """
            child_id,family_id,date_of_birth,ward_code,notified_on
            c-1,f-1,2024-05-01,queens-park,2024-05-02
            c-2,f-2,2024-05-03,Westbourne,
            c-1,f-1,2024-05-01,queens-park,2024-05-02
            ,f-3,2024-05-04,queens-park,
            c-4,f-4,2024-02-30,queens-park,
            c-5,f-5,2024-05-05,atlantis,
            c-6,f-6,2024-05-06
            c-7,f 7,2024-05-07,queens-park,
            c-8,f-8,2024-05-08,queens-park,2024-05-01
            c-9,f-9,2024-07-01,queens-park,
            c-10,"f-10,2024-05-10,queens-park,

            c-11,f-11,03/05/2024,queens-park,
            """;

        var rows = Births(Csv);

        Assert.Equal(
            [
                (2, ImportStatus.Imported, null, "import-births-c-1"),
                (3, ImportStatus.Imported, null, "import-births-c-2"),
                (4, ImportStatus.Duplicate, "same event as row 2", "import-births-c-1"),
                (5, ImportStatus.Rejected, "missing child_id", null),
                (6, ImportStatus.Rejected, "bad date in date_of_birth '2024-02-30': use yyyy-MM-dd", null),
                (7, ImportStatus.Rejected, "unknown ward 'atlantis'", null),
                (8, ImportStatus.Rejected, "malformed row: expected 5 fields, found 3", null),
                (9, ImportStatus.Rejected, "bad family_id 'f 7': use 1-128 of A-Z a-z 0-9 . _ : -", null),
                (10, ImportStatus.Rejected, "notified_on is before date_of_birth", null),
                (11, ImportStatus.Rejected, "bad date in date_of_birth '2024-07-01': in the future", null),
                (12, ImportStatus.Rejected, "malformed row: quote never closed on its line", null),
                (14, ImportStatus.Imported, null, "import-births-c-11"),
            ],
            rows.Select(r => (r.RowNumber, r.Status, r.Reason, r.EventId)));
    }

    [Fact]
    public void A_good_birth_row_becomes_a_birth_notified_event()
    {
        var row = Births("child_id,family_id,date_of_birth,ward_code,notified_on\nc-1,f-1,2024-05-01,QUEENS-PARK,2024-05-02\n").Single();

        Assert.Equal(
            """{"eventId":"import-births-c-1","type":"birth-notified","occurredAt":"2024-05-02T00:00:00+01:00","familyId":"f-1","childId":"c-1","data":{"dateOfBirth":"2024-05-01","wardCode":"queens-park"}}""",
            row.Event!.ToJsonString());
    }

    [Fact]
    public void Without_notified_on_the_birth_date_is_when_it_happened()
    {
        var row = Births("child_id,family_id,date_of_birth,ward_code\nc-1,f-1,2024-05-01,queens-park\n").Single();

        Assert.Equal("\"2024-05-01T00:00:00+01:00\"", row.Event!["occurredAt"]!.ToJsonString());
    }

    [Fact]
    public void Todays_date_in_london_is_not_in_the_future_just_after_midnight_british_summer_time()
    {
        // 23:30 UTC on 31 May 2024 is 00:30 BST on 1 June: a registration that day happened at London's midnight.
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 5, 31, 23, 30, 0, TimeSpan.Zero));
        var importer = new ContactCsvImporter(["queens-park"], clock);

        var today = importer.ReadCentreRegistrations(new StringReader("child_id,family_id,registered_on\nc-1,f-1,2024-06-01\n")).Single();
        var tomorrow = importer.ReadCentreRegistrations(new StringReader("child_id,family_id,registered_on\nc-1,f-1,2024-06-02\n")).Single();

        Assert.Equal(ImportStatus.Imported, today.Status);
        Assert.Equal("\"2024-06-01T00:00:00+01:00\"", today.Event!["occurredAt"]!.ToJsonString());
        Assert.Equal("bad date in registered_on '2024-06-02': in the future", tomorrow.Reason);
    }

    [Fact]
    public void In_winter_a_date_starts_at_midnight_greenwich_mean_time()
    {
        var row = Registrations("child_id,family_id,registered_on\nc-1,f-1,2024-01-10\n").Single();

        Assert.Equal("\"2024-01-10T00:00:00+00:00\"", row.Event!["occurredAt"]!.ToJsonString());
    }

    [Fact]
    public void Re_importing_the_same_file_gives_the_same_event_ids_and_events()
    {
        const string Csv = "child_id,family_id,registered_on,centre_id\nc-1,f-1,2024-05-01,qp-cc\nc-2,f-2,2024-05-03,\n";

        var first = Registrations(Csv);
        var second = Registrations(Csv);

        Assert.Equal(["import-reg-c-1-2024-05-01", "import-reg-c-2-2024-05-03"], first.Select(r => r.EventId));
        Assert.Equal(first.Select(r => r.Event!.ToJsonString()), second.Select(r => r.Event!.ToJsonString()));
    }

    [Fact]
    public void A_registrations_file_gives_the_exact_per_row_report()
    {
        const string Csv = """
            child_id,family_id,registered_on,centre_id
            c-1,f-1,2024-05-01,qp-cc
            c-1,f-1,2024-05-20,qp-cc
            c-1,f-1,2024-05-01,qp-cc
            c-2,,2024-05-01,
            c-3,f-3,,
            c-4,f-4,2024-05-01,bad centre
            c-5,f-5,1999-12-31,
            """;

        var rows = Registrations(Csv);

        Assert.Equal(
            [
                (2, ImportStatus.Imported, null),
                (3, ImportStatus.Imported, null),
                (4, ImportStatus.Duplicate, "same event as row 2"),
                (5, ImportStatus.Rejected, "missing family_id"),
                (6, ImportStatus.Rejected, "missing registered_on"),
                (7, ImportStatus.Rejected, "bad centre_id 'bad centre': use 1-128 of A-Z a-z 0-9 . _ : -"),
                (8, ImportStatus.Rejected, "bad date in registered_on '1999-12-31': before 2000-01-01"),
            ],
            rows.Select(r => (r.RowNumber, r.Status, r.Reason)));
        Assert.Equal(
            """{"eventId":"import-reg-c-1-2024-05-01","type":"centre-registered","occurredAt":"2024-05-01T00:00:00+01:00","familyId":"f-1","childId":"c-1","data":{"centreId":"qp-cc"}}""",
            rows[0].Event!.ToJsonString());
    }

    [Theory]
    [InlineData("child_id,family_id,ward_code\n", "missing column(s): date_of_birth")]
    [InlineData("child_id,family_id,date_of_birth,ward_code,colour\n", "unknown column(s): colour")]
    [InlineData("", "the file is empty")]
    public void A_file_without_the_columns_is_refused_as_a_whole(string csv, string message)
    {
        var ex = Assert.Throws<CsvImportException>(() => Births(csv));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_too_long_for_an_event_id_is_rejected()
    {
        var longId = new string('c', 120);

        var row = Births($"child_id,family_id,date_of_birth,ward_code\n{longId},f-1,2024-05-01,queens-park\n").Single();

        Assert.Equal(ImportStatus.Rejected, row.Status);
        Assert.StartsWith("child_id too long", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_are_read_lazily_one_at_a_time()
    {
        var reader = new CountingReader("child_id,family_id,date_of_birth,ward_code\n" +
            string.Concat(Enumerable.Range(0, 200_000).Select(i => $"c-{i},f-{i},2024-05-01,queens-park\n")));

        var first = Importer().ReadBirthNotifications(reader).Take(3).ToList();

        Assert.Equal(3, first.Count);
        Assert.True(reader.CharsRead < reader.Length / 10, $"{reader.CharsRead} of {reader.Length} chars read for three rows");
    }

    [Theory]
    [InlineData(ContactReceipt.Accepted, ImportStatus.Imported, null)]
    [InlineData(ContactReceipt.Duplicate, ImportStatus.Duplicate, "already recorded by the gateway")]
    [InlineData(ContactReceipt.Rejected, ImportStatus.Rejected, "gateway: data.wardCode: unknown ward")]
    public void The_gateway_receipt_decides_the_final_status(string status, ImportStatus expected, string? reason)
    {
        var row = Births("child_id,family_id,date_of_birth,ward_code\nc-1,f-1,2024-05-01,queens-park\n").Single();

        var final = row.WithReceipt(new ContactReceipt("import-births-c-1", status, 1, status == ContactReceipt.Rejected ? [new FieldError("data.wardCode", "unknown ward")] : null));

        Assert.Equal((expected, reason), (final.Status, final.Reason));
        Assert.Equal(row.RowNumber, final.RowNumber);
    }

    [Fact]
    public void The_report_lists_every_row_and_protects_spreadsheets_from_formulas()
    {
        var rows = new[]
        {
            new ImportRowResult(2, ImportStatus.Imported, null, "import-births-c-1", null),
            new ImportRowResult(3, ImportStatus.Rejected, "unknown ward '=cmd'", null, null),
            new ImportRowResult(4, ImportStatus.Duplicate, "same event as row 2", "import-births-c-1", null),
        };
        var text = new StringWriter();

        ImportReport.WriteCsv(text, rows);

        Assert.Equal(
            "row,status,event_id,reason\n2,imported,import-births-c-1,\n3,rejected,,unknown ward '=cmd'\n4,duplicate,import-births-c-1,same event as row 2\n",
            text.ToString());
    }

    private sealed class CountingReader(string text) : TextReader
    {
        private readonly StringReader _inner = new(text);

        public long CharsRead { get; private set; }

        public int Length => text.Length;

        public override int Read(char[] buffer, int index, int count)
        {
            var read = _inner.Read(buffer, index, count);
            CharsRead += read;
            return read;
        }

        public override int Read(Span<char> buffer)
        {
            var read = _inner.Read(buffer);
            CharsRead += read;
            return read;
        }

        public override int Peek() => _inner.Peek();

        public override int Read()
        {
            CharsRead++;
            return _inner.Read();
        }
    }
}
