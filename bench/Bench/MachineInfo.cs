using System.Globalization;
using System.Runtime.InteropServices;

namespace QpActors.Bench;

/// <summary>The machine a figure was measured on; the load average says whether others were busy too.</summary>
public sealed record MachineInfo(
    int ProcessorCount,
    long MemoryMegabytes,
    string Kernel,
    string Runtime,
    string LoadAverageBefore,
    string? LoadAverageAfter,
    bool ServerGc)
{
    public static MachineInfo Capture() => new(
        Environment.ProcessorCount,
        ReadMemoryMegabytes(),
        ReadFirstLine("/proc/sys/kernel/osrelease") ?? RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        LoadAverage(),
        null,
        System.Runtime.GCSettings.IsServerGC);

    public MachineInfo Finished() => this with { LoadAverageAfter = LoadAverage() };

    public string Describe() =>
        $"{ProcessorCount} cores, {MemoryMegabytes:N0} MB, Linux {Kernel}, {Runtime}, load {LoadAverageBefore}" +
        (LoadAverageAfter is null ? "" : $" -> {LoadAverageAfter}");

    /// <summary>The 1-minute load average; above the core count others were competing for the CPU.</summary>
    public static double OneMinuteLoad()
    {
        var text = ReadFirstLine("/proc/loadavg");
        return text is not null && double.TryParse(text.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : double.NaN;
    }

    private static string LoadAverage() => string.Join(' ', (ReadFirstLine("/proc/loadavg") ?? "?").Split(' ').Take(3));

    private static long ReadMemoryMegabytes()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return kb is not null && long.TryParse(kb, CultureInfo.InvariantCulture, out var value) ? value / 1024 : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024);
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
