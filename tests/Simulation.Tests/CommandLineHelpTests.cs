using QpActors.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace QpActors.Simulation.Tests;

/// <summary>Every command's help, as <c>./qp COMMAND --help</c> prints it, succeeds and shows what the command takes.</summary>
public sealed class CommandLineHelpTests
{
    [Theory]
    [InlineData(new[] { "token", "--help" }, "--role")]
    [InlineData(new[] { "seed", "--help" }, "--gateway")]
    [InlineData(new[] { "import", "--help" }, "ward_code[,notified_on]")]
    [InlineData(new[] { "import", "births", "--help" }, "ward_code[,notified_on]")]
    [InlineData(new[] { "import", "registrations", "--help" }, "registered_on[,centre_id]")]
    public void Help_is_printed(string[] args, string shown)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 400;
        var app = new CommandApp();
        app.Configure(config =>
        {
            QpCommands.Configure(config);
            config.ConfigureConsole(console);
            config.PropagateExceptions();
        });

        var exit = app.Run(args);

        Assert.Equal(0, exit);
        Assert.Contains(shown, output.ToString(), StringComparison.Ordinal);
    }
}
