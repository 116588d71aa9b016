using System.ComponentModel;
using QpActors.Simulation.Security;
using Spectre.Console;
using Spectre.Console.Cli;

namespace QpActors.Cli.Commands;

internal sealed class TokenSettings : CommandSettings
{
    [CommandOption("--role <ROLE>")]
    [Description("frontline, early-intervention, commission or admin.")]
    public string Role { get; set; } = "";

    [CommandOption("--service <SERVICE>")]
    [Description("Service a frontline token records as (e.g. health-visiting).")]
    public string? Service { get; set; }

    [CommandOption("--champion <CHAMPION>")]
    [Description("Champion a frontline token records as (e.g. ch-03).")]
    public string? Champion { get; set; }

    [CommandOption("--ward <WARD>")]
    [Description("A ward in scope (repeat for several); needed for early-intervention.")]
    public string[] Wards { get; set; } = [];

    [CommandOption("--subject <SUB>")]
    [Description("Subject claim; defaults to dev-<role>.")]
    public string? Subject { get; set; }

    [CommandOption("--name <NAME>")]
    [Description("Display name claim (OpenID Connect name), kept with a level decision; defaults to a development name, \"\" for none.")]
    public string? Name { get; set; }

    [CommandOption("--hours <H>")]
    [Description("Lifetime in hours.")]
    [DefaultValue(8.0)]
    public double Hours { get; set; } = 8;

    [CommandOption("--data <DIR>")]
    [Description("Data folder holding dev-signing-key.json (created when missing).")]
    [DefaultValue("./data")]
    public string Data { get; set; } = "./data";

    public override ValidationResult Validate() =>
        DevTokens.Roles.Contains(Role)
            ? Hours > 0 ? ValidationResult.Success() : ValidationResult.Error("--hours must be positive")
            : ValidationResult.Error($"--role must be one of {string.Join(", ", DevTokens.Roles)}");
}

/// <summary>Prints a token on its own line so that <c>TOKEN=$(qp token ...)</c> works.</summary>
internal sealed class TokenCommand : Command<TokenSettings>
{
    public override int Execute(CommandContext context, TokenSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            var key = DevSigningKey.LoadOrCreate(settings.Data);
            var token = DevTokens.Issue(
                key,
                settings.Role,
                settings.Service,
                settings.Champion,
                settings.Wards,
                TimeSpan.FromHours(settings.Hours),
                settings.Subject ?? "dev-" + settings.Role,
                name: settings.Name);
            Console.Out.WriteLine(token);
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]token:[/] {ex.Message}");
            return ExitCodes.Failed;
        }
    }
}
