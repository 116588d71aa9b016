using QpActors.Gateway.Hosting;

// The gateway: an Orleans client serving frontline apps, the early intervention team and the commission.
// Settings files sit beside the binary; relative data paths resolve against the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.AddQpGateway();

var app = builder.Build();
app.MapQpGateway();
app.Run();

/// <summary>Visible to the end-to-end tests, which start the real gateway in-process.</summary>
public partial class Program;
