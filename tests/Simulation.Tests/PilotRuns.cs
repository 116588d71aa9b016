using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using QpActors.Simulation.Generation;

namespace QpActors.Simulation.Tests;

/// <summary>What the tests read from one full Queen's Park pilot run, kept so each seed is generated once.</summary>
public sealed record PilotRun(
    IReadOnlyList<GeneratedContact> Contacts,
    SimulationTotals Totals,
    GeneratorDiagnostics Diagnostics,
    GeneratorOptions Options);

/// <summary>Generates each pilot seed once for the whole test assembly (a run takes a few hundred milliseconds).</summary>
public static class PilotRuns
{
    private static readonly ConcurrentDictionary<int, Lazy<PilotRun>> Runs = new();

    public static PilotRun For(int seed) => Runs.GetOrAdd(seed, s => new Lazy<PilotRun>(() =>
    {
        var generator = new ContactGenerator(GeneratorOptions.QueensParkPilot(s));
        var contacts = generator.Generate().ToList();
        return new PilotRun(contacts, generator.Totals, generator.Diagnostics, generator.Options);
    })).Value;

    public static string Hash(IEnumerable<GeneratedContact> contacts)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var c in contacts)
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"{c.RecordedBy}|{c.SentAt:O}|{c.IsDuplicateSend}|{c.WireJson}\n"));
        }

        return Convert.ToHexString(sha.GetHashAndReset());
    }
}
