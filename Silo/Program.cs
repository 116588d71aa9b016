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

using var host = await BuildAsync();
if (host is null)
{
    return 1;
}

try
{
    // Orleans reads the store again as it starts (its providers' queries): a store that cannot answer then is refused
    // as at the schema step, in one line.
    await host.StartQpSiloAsync();
}
catch (SiloStartRefusedException refused)
{
    await Console.Error.WriteLineAsync(refused.Message);
    return 1;
}

await host.WaitForShutdownAsync();
return 0;

async Task<IHost?> BuildAsync()
{
    try
    {
        await builder.AddQpSiloAsync();
    }
    catch (SiloStartRefusedException refused)
    {
        await Console.Error.WriteLineAsync(refused.Message);
        return null;
    }

    return builder.Build();
}
