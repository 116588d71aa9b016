namespace QpActors.Bench;

/// <summary>Where results go: <c>bench/results/</c> of the repository (git-ignored), found from the working directory.</summary>
public static class ResultsFolder
{
    public static string Default()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "QpActors.sln")))
            {
                return Path.Combine(dir.FullName, "bench", "results");
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "bench-results");
    }
}
