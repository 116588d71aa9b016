using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace QpActors.Bench;

/// <summary>
/// Which types this process allocates, from the runtime's own allocation sampling (an AllocationTick event
/// roughly every 100 KB allocated, naming the type that crossed the mark). Sampled, so shares are estimates;
/// enough to see where allocation per event comes from without an external profiler.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const int AllocationTick = 10;
    private const long GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _recording;

    public void Start() => _recording = true;

    public IReadOnlyList<(string Type, double Share)> Stop(int top)
    {
        _recording = false;
        var total = Math.Max(1, _bytesByType.Values.Sum());
        return _bytesByType
            .OrderByDescending(p => p.Value)
            .Take(top)
            .Select(p => (p.Key, p.Value / (double)total))
            .ToArray();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        ArgumentNullException.ThrowIfNull(eventSource);
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (!_recording || eventData.EventId != AllocationTick || eventData.Payload is null)
        {
            return;
        }

        var index = eventData.PayloadNames?.IndexOf("TypeName") ?? -1;
        var amountIndex = eventData.PayloadNames?.IndexOf("AllocationAmount64") ?? -1;
        if (index < 0 || eventData.Payload[index] is not string type)
        {
            return;
        }

        var amount = amountIndex >= 0 && eventData.Payload[amountIndex] is ulong bytes ? (long)bytes : 100_000;
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
