namespace QpActors.Cli.Commands;

/// <summary>Process exit codes, so scripts can tell a bad file from a gateway that is not there.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int GatewayUnreachable = 2;
    public const int Cancelled = 130;
}
