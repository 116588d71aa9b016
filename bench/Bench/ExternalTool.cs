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

    public sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Non2xx);

    /// <summary>Reads wrk's summary: requests/sec, the 50% and 99% lines of its <c>--latency</c> distribution, the request count and non-2xx answers.</summary>
    public static WrkResult ParseWrk(string output)
    {
        double rps = double.NaN, p50 = double.NaN, p99 = double.NaN;
        long requests = 0, non2xx = 0;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (line.StartsWith("Requests/sec:", StringComparison.Ordinal))
            {
                rps = double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("50%", StringComparison.Ordinal) && parts.Length == 2)
            {
                p50 = ToMs(parts[1]);
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

        return double.IsNaN(rps) ? throw new InvalidOperationException("wrk printed no Requests/sec:\n" + output) : new WrkResult(rps, p50, p99, requests, non2xx);
    }

    /// <summary>What one h2load run reports: its rate, the outcome of its requests, mean latency and the response bodies' bytes.</summary>
    public sealed record H2loadResult(double RequestsPerSecond, long Done, long Succeeded, long Failed, long Errored, double MeanMs, long DataBytes)
    {
        /// <summary>Mean body bytes per finished request: a gRPC error answers with trailers only, so a tiny mean means errors.</summary>
        public double BytesPerRequest => Done == 0 ? 0 : (double)DataBytes / Done;
    }

    /// <summary>
    /// Reads h2load's summary: "finished in ..., N req/s", the "requests:" counts, the "traffic:" data bytes and the mean
    /// "time for request". h2load counts HTTP statuses only, so a gRPC status in the trailers is not seen here.
    /// </summary>
    public static H2loadResult ParseH2load(string output)
    {
        double rps = double.NaN, mean = double.NaN;
        long done = 0, succeeded = 0, failed = 0, errored = 0, data = 0;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            var parts = line.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            if (line.StartsWith("finished in", StringComparison.Ordinal))
            {
                rps = double.Parse(parts[Array.IndexOf(parts, "req/s") - 1], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("requests:", StringComparison.Ordinal))
            {
                done = Count(parts, "done");
                succeeded = Count(parts, "succeeded");
                failed = Count(parts, "failed");
                errored = Count(parts, "errored");
            }
            else if (line.StartsWith("traffic:", StringComparison.Ordinal))
            {
                // "... 1.87MB (1965399) data": the exact byte count is in the brackets before "data".
                data = long.Parse(parts[Array.IndexOf(parts, "data") - 1].Trim('(', ')'), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("time for request:", StringComparison.Ordinal))
            {
                mean = ToMs(parts[5]);
            }
        }

        return double.IsNaN(rps) ? throw new InvalidOperationException("h2load printed no \"finished in\" line:\n" + output)
            : new H2loadResult(rps, done, succeeded, failed, errored, mean, data);

        static long Count(string[] parts, string label) => long.Parse(parts[Array.IndexOf(parts, label) - 1], CultureInfo.InvariantCulture);
    }

    /// <summary>A gRPC request body as it goes on the wire: no compression, the length in four bytes big-endian, the message.</summary>
    public static byte[] GrpcFrame(ReadOnlySpan<byte> message)
    {
        var frame = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
        message.CopyTo(frame.AsSpan(5));
        return frame;
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

    /// <summary>What the receipt-counting scripts print when wrk finishes: the receipts' totals over all threads.</summary>
    public sealed record BatchReceipts(long Accepted, long Duplicates, long Rejected, long Unread);

    private const string ReceiptsLine = "qp-receipts";

    /// <summary>Reads the line <see cref="ReceiptCounting"/> prints; null if wrk ran without it.</summary>
    public static BatchReceipts? ParseReceipts(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(ReceiptsLine + " ", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var values = line[(ReceiptsLine.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=')).ToDictionary(pair => pair[0], pair => long.Parse(pair[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return new BatchReceipts(values["accepted"], values["duplicates"], values["rejected"], values["unread"]);
    }

    /// <summary>
    /// Numbers wrk's threads and counts each thread's requests like <see cref="ThreadNumbering"/>, and counts the
    /// receipts of every 200 response: a batch answers 200 even when items are rejected, so a status alone would count
    /// refused items as ingested. The gateway writes the totals first (<c>{"accepted":N,"duplicates":N,"rejected":N,...</c>),
    /// so an anchored match reads a few dozen bytes of each body and the hook stays cheap at batch rates (a few hundred
    /// responses a second). A 200 whose body does not start that way counts as unread; wrk's own non-2xx count covers the rest.
    /// Thread globals are summed in <c>done</c>, which runs after the threads stop.
    /// </summary>
    private const string ReceiptCounting = """
        local threads = {}
        function setup(thread)
          thread:set("tid", #threads)
          threads[#threads + 1] = thread
        end
        local n = 0
        accepted, duplicates, rejected, unread = 0, 0, 0, 0
        function response(status, headers, body)
          if status ~= 200 then return end
          local a, d, r = string.match(body, '^{"accepted":(%d+),"duplicates":(%d+),"rejected":(%d+)')
          if a then
            accepted = accepted + tonumber(a)
            duplicates = duplicates + tonumber(d)
            rejected = rejected + tonumber(r)
          else
            unread = unread + 1
          end
        end
        function done(summary, latency, requests)
          local a, d, r, u = 0, 0, 0, 0
          for _, thread in ipairs(threads) do
            a = a + thread:get("accepted")
            d = d + thread:get("duplicates")
            r = r + thread:get("rejected")
            u = u + thread:get("unread")
          end
          io.write(string.format("qp-receipts accepted=%d duplicates=%d rejected=%d unread=%d\n", a, d, r, u))
        end

        """;

    /// <summary>Events in one batch of the wrk batch scripts, as in the issue's figure.</summary>
    public const int BatchSize = 100;

    /// <summary>Children in one visit round and events each; together <see cref="BatchSize"/>.</summary>
    public const int RoundChildren = 20;

    public const int RoundEvents = 5;

    /// <summary>
    /// A wrk script posting batches of <see cref="BatchSize"/> sessions attended, one each for as many consecutive known
    /// children (the list in turn across threads and requests, so a batch never names a child twice). Event ids are
    /// tag, thread, request and item: never repeated within or across runs, so every item is a new durable event.
    /// </summary>
    public static string BatchContactsScript(string tag, string token, IReadOnlyList<(string ChildId, string FamilyId)> children, DateTimeOffset occurredAt, int threads)
    {
        ArgumentNullException.ThrowIfNull(children);
        ArgumentOutOfRangeException.ThrowIfLessThan(children.Count, BatchSize);
        return BatchScriptHead(token, children) + $$$"""
            local item = '{"eventId":"{{{tag}}}-t%d-%d-%d","type":"session-attended","occurredAt":"{{{Instant(occurredAt)}}}","familyId":"%s","childId":"%s","data":{"session":"sounds-like-fun"}}'
            request = function()
              n = n + 1
              local first = ((n - 1) * {{{threads}}} + tid) * {{{BatchSize}}}
              local items = {}
              for i = 1, {{{BatchSize}}} do
                local child = children[(first + i - 1) % #children + 1]
                items[i] = string.format(item, tid, n, i, child[2], child[1])
              end
              return wrk.format("POST", nil, headers, '{"events":[' .. table.concat(items, ",") .. ']}')
            end
            """;
    }

    /// <summary>The receipt counting, the known children as a Lua table and the request headers, shared by the batch scripts.</summary>
    private static string BatchScriptHead(string token, IReadOnlyList<(string ChildId, string FamilyId)> children) => ReceiptCounting + $$$"""
        local children = { {{{ChildTable(children)}}} }
        local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer {{{token}}}"}

        """;

    /// <summary>
    /// A wrk script posting a health visitor's round as one batch: <see cref="RoundChildren"/> consecutive known children,
    /// <see cref="RoundEvents"/> events each of what a visit records (a session, an immunisation given, one missed, a
    /// missed appointment, a centre registration), so a child's items reach its grain as one call and one unit in the journal.
    /// Ids as in <see cref="BatchContactsScript"/>.
    /// </summary>
    public static string VisitRoundScript(string tag, string token, IReadOnlyList<(string ChildId, string FamilyId)> children, DateTimeOffset occurredAt, int threads)
    {
        ArgumentNullException.ThrowIfNull(children);
        ArgumentOutOfRangeException.ThrowIfLessThan(children.Count, RoundChildren);
        return BatchScriptHead(token, children) + $$$"""
            local item = '{"eventId":"{{{tag}}}-t%d-%d-%d","type":"%s","occurredAt":"{{{Instant(occurredAt)}}}","familyId":"%s","childId":"%s","data":%s}'
            local visit = {
              {"session-attended", '{"session":"sounds-like-fun"}'},
              {"immunisation-given", '{"vaccine":"mmr"}'},
              {"immunisation-missed", '{"vaccine":"mmr-booster"}'},
              {"appointment-missed", '{"service":"health-visiting"}'},
              {"centre-registered", '{}'},
            }
            request = function()
              n = n + 1
              local first = ((n - 1) * {{{threads}}} + tid) * {{{RoundChildren}}}
              local items = {}
              for c = 1, {{{RoundChildren}}} do
                local child = children[(first + c - 1) % #children + 1]
                for k = 1, {{{RoundEvents}}} do
                  local i = (c - 1) * {{{RoundEvents}}} + k
                  items[i] = string.format(item, tid, n, i, visit[k][1], child[2], child[1], visit[k][2])
                end
              end
              return wrk.format("POST", nil, headers, '{"events":[' .. table.concat(items, ",") .. ']}')
            end
            """;
    }

    private static string ChildTable(IReadOnlyList<(string ChildId, string FamilyId)> children) =>
        string.Join(",", children.Select(c => $"{{\"{c.ChildId}\",\"{c.FamilyId}\"}}"));

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

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
