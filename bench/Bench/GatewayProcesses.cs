using System.Diagnostics;
using System.Net.Http.Headers;

namespace QpActors.Bench;

/// <summary>Where the silo runs relative to the gateway (the gateway's <c>Gateway:Silo</c> setting).</summary>
public enum GatewayTopology
{
    /// <summary>A silo process and a gateway process, the gateway an Orleans client of the silo.</summary>
    External,

    /// <summary>One gateway process that is itself the silo.</summary>
    InProcess,
}

/// <summary>CPU time the host processes used, in seconds.</summary>
public sealed record HostCpu(double GatewaySeconds, double SiloSeconds, bool HasSilo)
{
    public double TotalSeconds => GatewaySeconds + SiloSeconds;

    public static HostCpu operator -(HostCpu after, HostCpu before) =>
        new(after.GatewaySeconds - before.GatewaySeconds, after.SiloSeconds - before.SiloSeconds, after.HasSilo);
}

/// <summary>
/// The silo and the gateway as child processes from the built binaries (as <c>./qp run</c> starts them),
/// on free loopback ports and a store of the harness's choosing; or, co-hosted, the gateway alone.
/// </summary>
public sealed class GatewayProcesses : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly string _logs;
    private Process? _gateway;
    private Process? _silo;

    private GatewayProcesses(string root, StoreTarget store, string configuration, GatewayTopology topology)
    {
        Root = root;
        Store = store;
        Configuration = configuration;
        Topology = topology;
        _logs = store.DataDirectory!;
        SiloPort = InProcessSilo.FreePort();
        OrleansGatewayPort = InProcessSilo.FreePort();
        HttpPort = InProcessSilo.FreePort();
        GrpcPort = InProcessSilo.FreePort();
    }

    public string Root { get; }
    public StoreTarget Store { get; }
    public string Configuration { get; }
    public GatewayTopology Topology { get; }
    public int SiloPort { get; }
    public int OrleansGatewayPort { get; }
    public int HttpPort { get; }
    public int GrpcPort { get; }

    public Uri HttpBase => new($"http://127.0.0.1:{HttpPort}/");
    public Uri GrpcBase => new($"http://127.0.0.1:{GrpcPort}/");

    public static string SiloDll(string root, string configuration) => Path.Combine(root, "Silo", "bin", configuration, "net10.0", "QpActors.Silo.dll");

    public static string GatewayDll(string root, string configuration) => Path.Combine(root, "Gateway", "bin", configuration, "net10.0", "QpActors.Gateway.dll");

    public static string Describe(GatewayTopology topology) => topology == GatewayTopology.InProcess ? "co-hosted silo" : "external silo";

    /// <summary>Starts the hosts and waits for <c>/health/ready</c>; returns the time from launch to ready.</summary>
    public static async Task<(GatewayProcesses Processes, TimeSpan StartToReady)> StartAsync(string root, StoreTarget store, string configuration, GatewayTopology topology, CancellationToken cancellationToken)
    {
        var processes = new GatewayProcesses(root, store, configuration, topology);
        try
        {
            var ready = await processes.LaunchAsync(cancellationToken);
            return (processes, ready);
        }
        catch
        {
            await processes.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops both (gateway first) and starts them again on the same store and ports: a warm restart.</summary>
    public async Task<TimeSpan> RestartAsync(CancellationToken cancellationToken)
    {
        await StopAllAsync();
        return await LaunchAsync(cancellationToken);
    }

    private async Task<TimeSpan> LaunchAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string[] shared = [.. Store.HostArgs(), "--Cluster:ClusterId=bench", "--Cluster:GatewayPort=" + OrleansGatewayPort, "--Logging:LogLevel:Default=Warning"];
        if (Topology == GatewayTopology.External)
        {
            _silo = Launch(SiloDll(Root, Configuration), [.. shared, "--Cluster:SiloPort=" + SiloPort], "silo");
            _gateway = Launch(GatewayDll(Root, Configuration), [.. shared, "--Gateway:HttpPort=" + HttpPort, "--Gateway:GrpcPort=" + GrpcPort, "--Gateway:Silo=external"], "gateway");
        }
        else
        {
            _silo = null;
            _gateway = Launch(GatewayDll(Root, Configuration),
                [.. shared, "--Cluster:SiloPort=" + SiloPort, "--Gateway:HttpPort=" + HttpPort, "--Gateway:GrpcPort=" + GrpcPort, "--Gateway:Silo=in-process"], "gateway");
        }

        using var http = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = TimeSpan.FromSeconds(120);
        while (clock.Elapsed < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_processes.Any(p => p.HasExited))
            {
                throw new InvalidOperationException($"a process exited during start; see {_logs}/*.log:\n" + Tail());
            }

            try
            {
                using var response = await http.GetAsync(new Uri("health/ready", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return clock.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"{Describe(Topology)} not ready after 120 s:\n" + Tail());
    }

    /// <summary>
    /// The gateway process's garbage collector so far, from its own Prometheus endpoint (the runtime's
    /// <c>dotnet.gc.pause.time</c> and <c>dotnet.gc.heap.total_allocated</c>); null when the endpoint does not answer or
    /// carries neither.
    /// </summary>
    public async Task<GatewayCounters?> GatewayCountersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var http = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(5) };
            var exposition = await http.GetStringAsync("metrics", cancellationToken);
            return new GatewayCounters(
                CounterValue(exposition, "dotnet_gc_pause_time_seconds_total"),
                CounterValue(exposition, "dotnet_gc_heap_total_allocated_bytes_total"),
                HistogramReading.Read(exposition, "qp_journal_append_duration_seconds"),
                HistogramReading.Read(exposition, "qp_journal_commit_duration_seconds"),
                HistogramReading.Read(exposition, "qp_journal_commit_writes"));
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The value of the counter <paramref name="name"/> (with or without labels) in a Prometheus text exposition, or null.</summary>
    public static double? CounterValue(string exposition, string name) =>
        PrometheusText.Samples(exposition, name).Select(sample => (double?)sample.Value).FirstOrDefault();

    /// <summary>CPU time each host has used so far (from /proc/PID/stat through <see cref="Process.TotalProcessorTime"/>).</summary>
    public HostCpu CpuNow()
    {
        static double Seconds(Process? process)
        {
            if (process is null)
            {
                return 0;
            }

            try
            {
                process.Refresh();
                return process.TotalProcessorTime.TotalSeconds;
            }
            catch (InvalidOperationException)
            {
                return 0; // exited
            }
        }

        return new HostCpu(Seconds(_gateway), Seconds(_silo), _silo is not null);
    }

    private Process Launch(string dll, IReadOnlyList<string> args, string name)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + dll);
        var log = new StreamWriter(Path.Combine(_logs, name + ".log"), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.Exited += (_, _) => { lock (log) { log.Dispose(); } };
        process.EnableRaisingEvents = true;
        _processes.Add(process);
        return process;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private string Tail()
    {
        var text = "";
        foreach (var file in Directory.GetFiles(_logs, "*.log"))
        {
            try
            {
                text += $"--- {Path.GetFileName(file)}\n" + string.Join('\n', File.ReadLines(file).TakeLast(15)) + "\n";
            }
            catch (IOException)
            {
            }
        }

        return text;
    }

    private async Task StopAllAsync()
    {
        // Gateway first, then the silo, as ./qp run stops them.
        foreach (var process in Enumerable.Reverse(_processes))
        {
            try
            {
                if (!process.HasExited)
                {
                    // SIGTERM first so the host stops cleanly; SIGKILL only if it will not.
                    using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                    {
                        await term.WaitForExitAsync();
                    }

                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    try
                    {
                        await process.WaitForExitAsync(timeout.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        process.Kill(entireProcessTree: true);
                        await process.WaitForExitAsync();
                    }
                }
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        _processes.Clear();
    }

    public async ValueTask DisposeAsync() => await StopAllAsync();

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}

/// <summary>
/// The gateway process's counters so far: seconds paused in GC, bytes allocated and, when it co-hosts the silo, its
/// journal's histograms (callers' wait for a durable write, each commit's time, writes per commit). Any may be missing.
/// </summary>
public sealed record GatewayCounters(
    double? PausedSeconds,
    double? AllocatedBytes,
    HistogramReading? JournalAppends,
    HistogramReading? JournalCommits,
    HistogramReading? JournalWritesPerCommit);
