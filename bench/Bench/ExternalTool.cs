using System.Diagnostics;
using System.Globalization;

namespace QpActors.Bench;

/// <summary>A load tool that is not part of the project (Debian's <c>wrk</c>), for the issue's external figures.</summary>
public static class ExternalTool
{
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    /// <summary>Runs a tool to the end and returns its output and errors; with <paramref name="requireSuccess"/>, a non-zero exit throws.</summary>
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool requireSuccess = false)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = await stdout + await stderr;
        return !requireSuccess || process.ExitCode == 0
            ? text
            : throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {process.ExitCode}:\n{text}");
    }

    public sealed record WrkResult(double RequestsPerSecond, double P99Ms, long Requests, long Non2xx);

    public static WrkResult ParseWrk(string output)
    {
        double rps = double.NaN, p99 = double.NaN;
        long requests = 0, non2xx = 0;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (line.StartsWith("Requests/sec:", StringComparison.Ordinal))
            {
                rps = double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("99%", StringComparison.Ordinal) && parts.Length == 2)
            {
                p99 = ToMs(parts[1]);
            }
            else if (line.Contains("requests in", StringComparison.Ordinal))
            {
                requests = long.Parse(parts[0], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Non-2xx", StringComparison.Ordinal))
            {
                non2xx = long.Parse(parts[^1], CultureInfo.InvariantCulture);
            }
        }

        return double.IsNaN(rps) ? throw new InvalidOperationException("wrk printed no Requests/sec:\n" + output) : new WrkResult(rps, p99, requests, non2xx);
    }

    private static double ToMs(string value)
    {
        var unit = value.TrimStart("0123456789.".ToCharArray());
        var number = double.Parse(value[..^unit.Length], CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => number / 1000,
            "ms" => number,
            "s" => number * 1000,
            "m" => number * 60_000,
            _ => double.NaN,
        };
    }

    /// <summary>Numbers wrk's threads (<c>tid</c>) and counts each thread's requests (<c>n</c>), so ids never repeat.</summary>
    private const string ThreadNumbering = """
        local threads = 0
        function setup(thread)
          thread:set("tid", threads)
          threads = threads + 1
        end
        local n = 0

        """;

    /// <summary>A wrk script posting a birth for a new child each request (unique ids per thread and request).</summary>
    public static string BirthsScript(string tag, string token, string ward) => ThreadNumbering + $$$"""
        request = function()
          n = n + 1
          local id = string.format("{{{tag}}}-t%d-%d", tid, n)
          local body = string.format('{"eventId":"%s-e0","type":"birth-notified","occurredAt":"2025-01-01T10:00:00Z","familyId":"%s-f","childId":"%s-c","data":{"dateOfBirth":"2025-01-01","wardCode":"{{{ward}}}"}}', id, id, id)
          return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer {{{token}}}"}, body)
        end
        """;

    /// <summary>
    /// A wrk script posting a session attended for each known child in turn, every request a new event id:
    /// the steady state of a frontline app, contacts for children the system already holds.
    /// </summary>
    public static string ContactsScript(string tag, string token, IReadOnlyList<(string ChildId, string FamilyId)> children, DateTimeOffset occurredAt)
    {
        ArgumentNullException.ThrowIfNull(children);
        var table = string.Join(",", children.Select(c => $"{{\"{c.ChildId}\",\"{c.FamilyId}\"}}"));
        var at = occurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return ThreadNumbering + $$$"""
            local children = { {{{table}}} }
            request = function()
              n = n + 1
              local child = children[(n * 2 + tid) % #children + 1]  -- wrk runs with -t 2
              local body = string.format('{"eventId":"{{{tag}}}-t%d-%d","type":"session-attended","occurredAt":"{{{at}}}","familyId":"%s","childId":"%s","data":{"session":"sounds-like-fun"}}', tid, n, child[2], child[1])
              return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer {{{token}}}"}, body)
            end
            """;
    }
}
