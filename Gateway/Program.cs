using QpActors.Gateway.Hosting;
using QpActors.Silo;

// The gateway: serves frontline apps, the early intervention team and the commission, as an Orleans
// client of separate silos or, with Gateway:Silo=in-process, as a silo itself.
// Settings files sit beside the binary; relative data paths resolve against the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
try
{
    await builder.AddQpGatewayAsync();
}
catch (SiloStartRefusedException refused)
{
    // A co-hosted silo found the store behind its schema or out of reach: the message says what to do.
    await Console.Error.WriteLineAsync(refused.Message);
    return 1;
}

var app = builder.Build();
app.MapQpGateway();
try
{
    // A co-hosted silo's Orleans reads the store again as it starts; one that cannot answer then is refused in one line.
    await app.StartQpSiloAsync();
}
catch (SiloStartRefusedException refused)
{
    await Console.Error.WriteLineAsync(refused.Message);
    await app.DisposeAsync();
    return 1;
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;

/// <summary>Visible to the end-to-end tests, which start the real gateway in-process.</summary>
public partial class Program;
