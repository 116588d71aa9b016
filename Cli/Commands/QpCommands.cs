using QpActors.Simulation.Import;
using Spectre.Console.Cli;

namespace QpActors.Cli.Commands;

/// <summary>The commands of <c>./qp token | seed | import</c>, in one place so a test can run their help as a user does.</summary>
public static class QpCommands
{
    public static void Configure(IConfigurator config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.SetApplicationName("qp");
        config.AddCommand<TokenCommand>("token")
            .WithDescription("Print a development bearer token signed with the key in the data folder.")
            .WithExample("token", "--role", "frontline", "--service", "health-visiting")
            .WithExample("token", "--role", "early-intervention", "--ward", "queens-park");
        config.AddCommand<SeedCommand>("seed")
            .WithDescription("Generate a synthetic neighbourhood's contact events and post them to the gateway.")
            .WithExample("seed", "--ward", "queens-park", "--dry-run")
            .WithExample("seed", "--wards", "4", "--children", "100000", "--seed", "7");
        config.AddBranch("import", import =>
        {
            import.SetDescription("Import CSV files of births or children's-centre registrations (layouts: docs/import.md).");

            // Descriptions are console markup: a square bracket is written twice to be shown once (a single one was read
            // as a style tag, and `./qp import --help` failed with "malformed markup tag").
            import.AddCommand<ImportCommand>("births")
                .WithData(ImportKind.Births)
                .WithDescription("Birth notifications from maternity: child_id,family_id,date_of_birth,ward_code[[,notified_on]].");
            import.AddCommand<ImportCommand>("registrations")
                .WithData(ImportKind.Registrations)
                .WithDescription("Children's-centre registrations: child_id,family_id,registered_on[[,centre_id]].");
        });
    }
}
