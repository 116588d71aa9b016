using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QpActors.Bench;

/// <summary>One measured figure, with the target it is held to (if any) and whether it holds.</summary>
public sealed record Figure(string Name, double Value, string Unit, string? Target = null, bool? Holds = null, string? Note = null)
{
    /// <summary>A figure held to a floor, e.g. events/s >= 10,000.</summary>
    public static Figure AtLeast(string name, double value, string unit, double floor) =>
        new(name, value, unit, ">= " + Format(floor), value >= floor);

    /// <summary>A figure held to a ceiling, e.g. p99 <= 10 ms.</summary>
    public static Figure AtMost(string name, double value, string unit, double ceiling) =>
        new(name, value, unit, "<= " + Format(ceiling), value <= ceiling);

    public static Figure Info(string name, double value, string unit, string? note = null) => new(name, value, unit, Note: note);

    public static string Format(double value) => value switch
    {
        double.NaN => "n/a",
        >= 100 or <= -100 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 or <= -10 => value.ToString("N1", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };

    public string Verdict => Holds switch
    {
        true => "holds",
        false => "MISSED",
        null => "",
    };
}

/// <summary>What a benchmark run produced: figures against targets, the settings, the machine and notes.</summary>
public sealed record BenchResult(
    string Benchmark,
    string CommandLine,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    MachineInfo Machine,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyList<Figure> Figures,
    IReadOnlyList<string> Notes)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"### {Benchmark} ({StartedAt:yyyy-MM-dd HH:mm} UTC)\n\n");
        md.Append(CultureInfo.InvariantCulture, $"`{CommandLine}`\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Machine: {Machine.Describe()}\n\n");
        md.Append("| figure | value | unit | target | verdict |\n| --- | ---: | --- | --- | --- |\n");
        foreach (var f in Figures)
        {
            var note = f.Note is null ? "" : " (" + f.Note + ")";
            md.Append(CultureInfo.InvariantCulture, $"| {f.Name}{note} | {Figure.Format(f.Value)} | {f.Unit} | {f.Target ?? ""} | {f.Verdict} |\n");
        }

        if (Notes.Count > 0)
        {
            md.Append('\n');
            foreach (var n in Notes)
            {
                md.Append("- ").Append(n).Append('\n');
            }
        }

        return md.ToString();
    }

    /// <summary>The table for a terminal: fixed-width columns, targets beside figures.</summary>
    public string ToConsoleTable()
    {
        var rows = Figures.Select(f => (Name: f.Name + (f.Note is null ? "" : " (" + f.Note + ")"), Value: Figure.Format(f.Value), f.Unit, Target: f.Target ?? "", f.Verdict)).ToList();
        var w0 = Math.Max(6, rows.Count == 0 ? 0 : rows.Max(r => r.Name.Length));
        var w1 = Math.Max(5, rows.Count == 0 ? 0 : rows.Max(r => r.Value.Length));
        var w2 = Math.Max(4, rows.Count == 0 ? 0 : rows.Max(r => r.Unit.Length));
        var w3 = Math.Max(6, rows.Count == 0 ? 0 : rows.Max(r => r.Target.Length));
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"== {Benchmark}: {Machine.Describe()}\n");
        text.Append(CultureInfo.InvariantCulture, $"{"figure".PadRight(w0)}  {"value".PadLeft(w1)}  {"unit".PadRight(w2)}  {"target".PadRight(w3)}  verdict\n");
        foreach (var r in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Name.PadRight(w0)}  {r.Value.PadLeft(w1)}  {r.Unit.PadRight(w2)}  {r.Target.PadRight(w3)}  {r.Verdict}\n");
        }

        foreach (var n in Notes)
        {
            text.Append("  - ").Append(n).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Writes <c>NAME-TIMESTAMP.json</c> and <c>.md</c> into <paramref name="directory"/>; returns the JSON path.</summary>
    public string Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"{Benchmark}-{StartedAt.UtcDateTime:yyyyMMdd-HHmmss}");
        File.WriteAllText(stem + ".json", ToJson());
        File.WriteAllText(stem + ".md", ToMarkdown());
        return stem + ".json";
    }
}
