using Microsoft.Extensions.Hosting;
using QpActors.Silo;

// The silo host: storage and clustering come from configuration (embedded SQLite by default).
// Settings files sit beside the binary; relative data paths resolve against the working directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
await builder.AddQpSiloAsync();

using var host = builder.Build();
await host.RunAsync();
