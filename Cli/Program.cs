using QpActors.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(QpCommands.Configure);

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
return await app.RunAsync(args, cancellation.Token);
