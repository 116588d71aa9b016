using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace QpActors.Cli.Commands;

/// <summary>Options shared by the commands that talk to the gateway or read the development key.</summary>
internal class GatewaySettings : CommandSettings
{
    [CommandOption("--gateway <URL>")]
    [Description("Gateway base address.")]
    [DefaultValue("http://127.0.0.1:5080")]
    public string Gateway { get; set; } = "http://127.0.0.1:5080";

    [CommandOption("--data <DIR>")]
    [Description("Data folder holding dev-signing-key.json (created when missing).")]
    [DefaultValue("./data")]
    public string Data { get; set; } = "./data";

    [CommandOption("--batch-size <N>")]
    [Description("Events per POST /v1/contacts/batch.")]
    [DefaultValue(500)]
    public int BatchSize { get; set; } = 500;

    [CommandOption("--parallel <N>")]
    [Description("Batches in flight at once.")]
    [DefaultValue(4)]
    public int Parallel { get; set; } = 4;

    public override ValidationResult Validate()
    {
        if (!Uri.TryCreate(Gateway, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return ValidationResult.Error($"--gateway must be an http(s) address, not '{Gateway}'");
        }

        if (BatchSize is < 1 or > 10_000)
        {
            return ValidationResult.Error("--batch-size must be between 1 and 10000");
        }

        return Parallel is < 1 or > 64 ? ValidationResult.Error("--parallel must be between 1 and 64") : ValidationResult.Success();
    }

    public Uri GatewayUri => new(Gateway.EndsWith('/') ? Gateway : Gateway + "/");
}
