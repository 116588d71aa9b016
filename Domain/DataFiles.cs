using System.Reflection;

namespace QpActors.Domain;

/// <summary>Opens the data files embedded in this assembly (also copied beside it for practitioners to read).</summary>
internal static class DataFiles
{
    public static Stream OpenEmbedded(string name) =>
        typeof(DataFiles).Assembly.GetManifestResourceStream("QpActors.Domain." + name)
        ?? throw new InvalidOperationException($"The embedded data file {name} is missing from {typeof(DataFiles).Assembly.GetName().Name}.");
}
