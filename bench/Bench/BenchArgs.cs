using System.Globalization;
using QpActors.Persistence;

namespace QpActors.Bench;

/// <summary>
/// The harness's arguments: a subcommand, then <c>--name value</c> pairs and bare <c>--flags</c>.
/// Small enough to parse by hand; every option a command reads is checked, so a misspelt one is an error.
/// </summary>
public sealed class BenchArgs
{
    private readonly Dictionary<string, string?> _options;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private BenchArgs(string command, Dictionary<string, string?> options)
    {
        Command = command;
        _options = options;
    }

    public string Command { get; }

    public static BenchArgs Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            throw new BenchUsageException("a command is required: grains, memory, gateway, freshness or all");
        }

        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new BenchUsageException($"expected an option such as --seconds, not '{arg}'");
            }

            var name = arg[2..];
            string? value = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }

            options[name] = value;
        }

        return new BenchArgs(args[0], options);
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var value) && (value is null || bool.Parse(value));
    }

    public string Text(string name, string fallback)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var value) && value is not null ? value : fallback;
    }

    /// <summary>A store option (<c>sqlite</c>, or <c>postgres</c> / <c>postgresql</c>); anything else is a usage error.</summary>
    public StorageKind Store(string name = "store") => Text(name, "sqlite") switch
    {
        "sqlite" => StorageKind.Sqlite,
        "postgres" or "postgresql" => StorageKind.Postgres,
        var other => throw new BenchUsageException($"--{name} must be sqlite or postgres, not '{other}'"),
    };

    public string? OptionalText(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var value) ? value : null;
    }

    public int Int(string name, int fallback) => (int)Number(name, fallback);

    public double Number(string name, double fallback)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var value) || value is null)
        {
            return fallback;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= 0
            ? number
            : throw new BenchUsageException($"--{name} needs a non-negative number, not '{value}'");
    }

    /// <summary>Options given but never read by the command: almost always a typo.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToArray();
        if (unknown.Length > 0)
        {
            throw new BenchUsageException("unknown option(s): " + string.Join(", ", unknown.Select(u => "--" + u)));
        }
    }

    /// <summary>The command line as typed, for the result file.</summary>
    public static string Describe(IEnumerable<string> args) =>
        "./qp bench " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? '"' + a + '"' : a));
}

public sealed class BenchUsageException(string message) : Exception(message);
