using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace QpActors.Cli.Posting;

/// <summary>Reports how far a long run is, as a fraction (0-1) and a count of items.</summary>
internal interface IProgressSink
{
    void Report(double fraction, long items);
}

/// <summary>
/// A Spectre progress bar (with rate and time left) on an interactive terminal, and plain
/// timestamped lines every few seconds otherwise, so logs of CI runs stay readable.
/// </summary>
internal static class ProgressDisplay
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    public static bool Interactive =>
        AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    public static async Task<T> RunAsync<T>(string title, string unit, Func<IProgressSink, Task<T>> work)
    {
        if (!Interactive)
        {
            var plain = new PlainSink(title, unit);
            var result = await work(plain).ConfigureAwait(false);
            plain.Finish();
            return result;
        }

        return await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new ElapsedTimeColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(title, maxValue: 1.0);
                var sink = new BarSink(task, title, unit);
                var result = await work(sink).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.Description = sink.Describe();
                return result;
            }).ConfigureAwait(false);
    }

    private static string Rate(long items, TimeSpan elapsed) =>
        (items / Math.Max(0.001, elapsed.TotalSeconds)).ToString("N0", CultureInfo.InvariantCulture);

    private sealed class BarSink(ProgressTask task, string title, string unit) : IProgressSink
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _items;
        private long _lastUpdate;

        public void Report(double fraction, long items)
        {
            _items = items;
            var now = _clock.ElapsedMilliseconds;
            if (now - _lastUpdate < 100)
            {
                return;
            }

            _lastUpdate = now;
            task.Value = Math.Clamp(fraction, 0, 1);
            task.Description = Describe();
        }

        public string Describe() =>
            $"{Markup.Escape(title)} {_items.ToString("N0", CultureInfo.InvariantCulture)} {unit} ({Rate(_items, _clock.Elapsed)}/s)";
    }

    private sealed class PlainSink(string title, string unit) : IProgressSink
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _lastLine = TimeSpan.Zero;
        private double _fraction;
        private long _items;

        public void Report(double fraction, long items)
        {
            _fraction = Math.Clamp(fraction, 0, 1);
            _items = items;
            if (_clock.Elapsed - _lastLine >= PlainInterval)
            {
                _lastLine = _clock.Elapsed;
                Write();
            }
        }

        public void Finish()
        {
            _fraction = 1;
            Write();
        }

        private void Write()
        {
            var elapsed = _clock.Elapsed;
            var eta = _fraction > 0.001 ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - _fraction) / _fraction) : (TimeSpan?)null;
            Console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"[{DateTime.Now:HH:mm:ss}] {title}: {_fraction:P0} {_items:N0} {unit} ({Rate(_items, elapsed)}/s), elapsed {elapsed:hh\\:mm\\:ss}, ETA {(eta is { } e ? e.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "?")}"));
        }
    }
}
