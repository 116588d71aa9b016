using System.Diagnostics;
using HdrHistogram;

namespace QpActors.Bench;

/// <summary>Latencies in microseconds, one histogram per worker so recording never contends.</summary>
public sealed class Latencies
{
    private const long MaxMicros = 120_000_000;
    private readonly LongHistogram _merged = new(MaxMicros, 3);

    public static LongHistogram NewHistogram() => new(MaxMicros, 3);

    public long Count => _merged.TotalCount;

    public void Add(LongHistogram worker)
    {
        lock (_merged)
        {
            _merged.Add(worker);
        }
    }

    public double PercentileMs(double percentile) => Count == 0 ? double.NaN : _merged.GetValueAtPercentile(percentile) / 1000.0;

    public double MeanMs => Count == 0 ? double.NaN : _merged.GetMean() / 1000.0;

    public static long ElapsedMicros(long startTimestamp) =>
        (long)((Stopwatch.GetTimestamp() - startTimestamp) * 1_000_000.0 / Stopwatch.Frequency);
}

/// <summary>What one load phase achieved.</summary>
public sealed record LoadOutcome(long Operations, long Failures, long Units, double Seconds, Latencies Latencies, CpuUse Cpu)
{
    /// <summary>Units (events, requests) per second; a batch of 100 counts 100 units.</summary>
    public double UnitsPerSecond => Seconds > 0 ? Units / Seconds : 0;

    public double OperationsPerSecond => Seconds > 0 ? Operations / Seconds : 0;

    public string FirstError { get; init; } = "";
}

/// <summary>
/// Closed and open loops over an operation. The operation returns how many units it carried
/// (0 means it failed). Warm-up operations run but are not counted.
/// </summary>
public static class LoadDriver
{
    /// <summary>
    /// <paramref name="concurrency"/> callers, each awaiting its answer before sending the next,
    /// drawing sequence numbers from one counter so every operation is distinct.
    /// </summary>
    public static async Task<LoadOutcome> ClosedLoopAsync(
        int concurrency, TimeSpan warmUp, TimeSpan duration, Func<long, Task<int>> operation, CancellationToken cancellationToken = default, long limit = long.MaxValue)
    {
        long sequence = -1;
        long operations = 0, failures = 0, units = 0;
        var measuring = 0;
        var stop = 0;
        string? firstError = null;
        var latencies = new Latencies();

        async Task Caller()
        {
            var histogram = Latencies.NewHistogram();
            while (Volatile.Read(ref stop) == 0 && !cancellationToken.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref sequence);
                if (n >= limit)
                {
                    break;
                }

                var started = Stopwatch.GetTimestamp();
                int carried;
                try
                {
                    carried = await operation(n).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                    carried = 0;
                }

                if (Volatile.Read(ref measuring) == 0 || Volatile.Read(ref stop) != 0)
                {
                    continue;
                }

                histogram.RecordValue(Math.Max(1, Latencies.ElapsedMicros(started)));
                Interlocked.Increment(ref operations);
                if (carried > 0)
                {
                    Interlocked.Add(ref units, carried);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            }

            latencies.Add(histogram);
        }

        var callers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(Caller, cancellationToken)).ToArray();
        await Task.Delay(warmUp, cancellationToken).ConfigureAwait(false);
        var cpu = CpuSampler.Start();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        // A limited run may finish before the time is up (e.g. one read of each family).
        await Task.WhenAny(Task.Delay(duration, cancellationToken), Task.WhenAll(callers)).ConfigureAwait(false);
        Volatile.Write(ref stop, 1);
        var seconds = clock.Elapsed.TotalSeconds;
        var used = cpu.Stop();
        await Task.WhenAll(callers).ConfigureAwait(false);
        return new LoadOutcome(operations, failures, units, seconds, latencies, used) { FirstError = firstError ?? "" };
    }

    /// <summary>
    /// Sends at a fixed <paramref name="rate"/> regardless of answers, timing each from when it was
    /// due (not when it was sent), so a stall shows in the latencies instead of silently lowering the rate.
    /// At most <paramref name="maxOutstanding"/> are in flight; beyond that an operation counts as failed.
    /// </summary>
    public static async Task<LoadOutcome> OpenLoopAsync(
        double rate, int maxOutstanding, TimeSpan duration, Func<long, Task<int>> operation, CancellationToken cancellationToken = default)
    {
        long operations = 0, failures = 0, units = 0, outstanding = 0;
        string? firstError = null;
        var histogram = Latencies.NewHistogram();
        var latencies = new Latencies();
        var inFlight = new List<Task>();
        var cpu = CpuSampler.Start();
        var start = Stopwatch.GetTimestamp();
        var total = (long)(rate * duration.TotalSeconds);

        async Task Send(long n, long due)
        {
            int carried;
            try
            {
                carried = await operation(n).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                carried = 0;
            }

            var micros = Math.Max(1, Latencies.ElapsedMicros(due));
            lock (histogram)
            {
                histogram.RecordValue(Math.Min(micros, histogram.HighestTrackableValue));
            }

            Interlocked.Increment(ref operations);
            if (carried > 0)
            {
                Interlocked.Add(ref units, carried);
            }
            else
            {
                Interlocked.Increment(ref failures);
            }

            Interlocked.Decrement(ref outstanding);
        }

        for (long n = 0; n < total && !cancellationToken.IsCancellationRequested;)
        {
            var now = Stopwatch.GetTimestamp();
            var dueCount = Math.Min(total, (long)((now - start) / (double)Stopwatch.Frequency * rate) + 1);
            for (; n < dueCount; n++)
            {
                var due = start + (long)(n / rate * Stopwatch.Frequency);
                if (Interlocked.Read(ref outstanding) >= maxOutstanding)
                {
                    Interlocked.Increment(ref operations);
                    Interlocked.Increment(ref failures);
                    continue;
                }

                Interlocked.Increment(ref outstanding);
                inFlight.Add(Send(n, due));
            }

            inFlight.RemoveAll(t => t.IsCompleted);
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        latencies.Add(histogram);
        return new LoadOutcome(operations, failures, units, seconds, latencies, cpu.Stop()) { FirstError = firstError ?? "" };
    }
}

/// <summary>Runs a fixed number of operations with bounded concurrency, for loading data rather than timing.</summary>
public static class Loader
{
    public static async Task<(long Done, long Failed, double Seconds)> RunAllAsync(long total, int concurrency, Func<long, Task<int>> operation, CancellationToken cancellationToken = default)
    {
        long sequence = -1, failed = 0;
        var clock = Stopwatch.StartNew();

        async Task Worker()
        {
            long n;
            while ((n = Interlocked.Increment(ref sequence)) < total)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await operation(n).ConfigureAwait(false) <= 0)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker, cancellationToken))).ConfigureAwait(false);
        return (total, failed, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>CPU used during a phase: by this process and by the whole machine (from /proc/stat).</summary>
public sealed record CpuUse(double ProcessCores, double MachineBusyCores, double Seconds)
{
    /// <summary>Bytes this process allocated during the phase (all threads): what the collector has to clear.</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Collections during the phase, by generation (0, 1, 2).</summary>
    public int[] Collections { get; init; } = [0, 0, 0];

    /// <summary>Share of the phase's wall time the runtime spent paused in garbage collection.</summary>
    public double GcPauseShare { get; init; }

    /// <summary>Cores busy outside this process: the database server, other engineers' builds...</summary>
    public double OtherCores => Math.Max(0, MachineBusyCores - ProcessCores);
}

public sealed class CpuSampler
{
    private readonly TimeSpan _processStart;
    private readonly (long Busy, long Total) _machineStart;
    private readonly long _started;
    private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: false);
    private readonly int[] _collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly TimeSpan _paused = GC.GetTotalPauseDuration();

    private CpuSampler()
    {
        _processStart = Process.GetCurrentProcess().TotalProcessorTime;
        _machineStart = ReadMachine();
        _started = Stopwatch.GetTimestamp();
    }

    public static CpuSampler Start() => new();

    public CpuUse Stop()
    {
        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var process = (Process.GetCurrentProcess().TotalProcessorTime - _processStart).TotalSeconds / Math.Max(seconds, 1e-9);
        var (busy, total) = ReadMachine();
        var dTotal = total - _machineStart.Total;
        var machine = dTotal > 0 ? (busy - _machineStart.Busy) / (double)dTotal * Environment.ProcessorCount : double.NaN;
        return new CpuUse(process, machine, seconds)
        {
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: false) - _allocated,
            Collections = [GC.CollectionCount(0) - _collections[0], GC.CollectionCount(1) - _collections[1], GC.CollectionCount(2) - _collections[2]],
            GcPauseShare = (GC.GetTotalPauseDuration() - _paused).TotalSeconds / Math.Max(seconds, 1e-9),
        };
    }

    private static (long Busy, long Total) ReadMachine()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var idle = ticks[3] + (ticks.Length > 4 ? ticks[4] : 0);
            var total = ticks.Take(8).Sum();
            return (total - idle, total);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }
}
