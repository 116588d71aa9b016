using Microsoft.Extensions.Hosting;
using QpActors.Silo;

// The silo host: storage and clustering come from configuration (embedded SQLite by default).
// Settings files sit beside the binary; relative data paths resolve against the working directory.
// "migrate" first (./qp migrate) brings the store up to date with the same settings and exits.
var migrate = args is ["migrate", ..];
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = migrate ? args[1..] : args,
    ContentRootPath = AppContext.BaseDirectory,
});
if (migrate)
{
    await SiloSetup.MigrateAsync(builder.Configuration, Console.Out);
    return 0;
}

try
{
    await builder.AddQpSiloAsync();
}
catch (SiloStartRefusedException refused)
{
    await Console.Error.WriteLineAsync(refused.Message);
    return 1;
}

using var host = builder.Build();
await host.RunAsync();
return 0;
