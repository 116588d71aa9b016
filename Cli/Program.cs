using QpActors.Cli.Commands;
using QpActors.Simulation.Import;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
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
        import.AddCommand<ImportCommand>("births")
            .WithData(ImportKind.Births)
            .WithDescription("Birth notifications from maternity: child_id,family_id,date_of_birth,ward_code[,notified_on].");
        import.AddCommand<ImportCommand>("registrations")
            .WithData(ImportKind.Registrations)
            .WithDescription("Children's-centre registrations: child_id,family_id,registered_on[,centre_id].");
    });
});

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
return await app.RunAsync(args, cancellation.Token);
