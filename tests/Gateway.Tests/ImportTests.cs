using System.Net;
using System.Text.Json;
using QpActors.Simulation.Client;
using QpActors.Simulation.Import;

namespace QpActors.Gateway.Tests;

/// <summary>Birth and registration files imported through the real gateway, as `./qp import` does.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ImportTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_file_with_good_duplicate_and_bad_rows_reports_each_row_and_a_reimport_changes_nothing()
    {
        var id = Ids.Short();
        var ward = "import-" + id;
        var born = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-20).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var csv = string.Join('\n',
            "child_id,family_id,date_of_birth,ward_code",
            $"c1-{id},f1-{id},{born},{ward}",
            $"c2-{id},f2-{id},{born},{ward}",
            $"c1-{id},f1-{id},{born},{ward}",
            $"c3-{id},f3-{id},2026-02-30,{ward}",
            $",f4-{id},{born},{ward}",
            $"c5-{id},f5-{id},{born},atlantis",
            "");

        var first = await ImportAsync(csv, ward);
        var second = await ImportAsync(csv, ward);

        Assert.Equal(
            [ImportStatus.Imported, ImportStatus.Imported, ImportStatus.Duplicate, ImportStatus.Rejected, ImportStatus.Rejected, ImportStatus.Rejected],
            first.Select(r => r.Status));
        Assert.Equal([2, 3, 4, 5, 6, 7], first.Select(r => r.RowNumber));
        Assert.Contains("date", first[3].Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ward", first[5].Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(
            [ImportStatus.Duplicate, ImportStatus.Duplicate, ImportStatus.Duplicate, ImportStatus.Rejected, ImportStatus.Rejected, ImportStatus.Rejected],
            second.Select(r => r.Status));

        // The imported birth is now a family the early intervention team can open, with one child.
        using var response = await fixture.SendAsync(HttpMethod.Get, $"/v1/families/f1-{id}/risk", TestCaller.EarlyIntervention(ward));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var risk = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var child = Assert.Single(risk.RootElement.GetProperty("children").EnumerateArray());
        Assert.Equal($"c1-{id}", child.GetProperty("childId").GetString());
    }

    private async Task<List<ImportRowResult>> ImportAsync(string csv, string ward)
    {
        var importer = new ContactCsvImporter([ward]);
        var rows = importer.ReadBirthNotifications(new StringReader(csv)).ToList();
        var good = rows.Where(r => r.Event is not null).ToList();
        var client = new QpClient(fixture.Http);
        var receipts = await client.PostBatchAsync(good.Select(r => r.Event!).ToList(), fixture.Token(TestCaller.ServiceWorker("midwifery")));
        var answered = good.Zip(receipts, (row, receipt) => row.WithReceipt(receipt)).ToDictionary(r => r.RowNumber);
        return rows.Select(r => answered.GetValueOrDefault(r.RowNumber, r)).ToList();
    }
}
