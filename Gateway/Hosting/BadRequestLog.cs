using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace QpActors.Gateway.Hosting;

/// <summary>
/// Keeps Kestrel's log of requests it cannot parse (<see cref="Category"/>) above Debug, whatever the configuration says.
/// A request line or header line Kestrel refuses never reaches the gateway's code, so the query-token redaction
/// (<see cref="Auth.QueryTokens"/>) cannot take the token out of it; Kestrel logs it at Debug, cut to 128 characters, and with
/// <c>access_token</c> in the query (or a malformed <c>Authorization</c> header) those are a token's header and the start
/// of its claims. Every message in that category is at Debug, so with the category at Information none is written: the
/// client still gets its 400, and nothing of what it sent is written down.
/// </summary>
/// <remarks>
/// A configured level cannot undo it: the rule is added after configuration is read (and again on every reload), for every
/// logger provider a rule names as well as for all of them, so it is the most specific rule for the category under any
/// setting, <c>Logging:LogLevel:Default=Trace</c> and <c>Logging:Console:LogLevel:Default=Trace</c> included.
/// </remarks>
public sealed class BadRequestLog : IPostConfigureOptions<LoggerFilterOptions>
{
    /// <summary>Kestrel's category for requests it refuses before the application sees them.</summary>
    public const string Category = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    /// <summary>The lowest level the category is written at.</summary>
    public const LogLevel Floor = LogLevel.Information;

    public void PostConfigure(string? name, LoggerFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // A rule naming a provider beats one naming none, whatever its category, so each provider named gets its own.
        var providers = options.Rules.Select(rule => rule.ProviderName).Append(null).Distinct().ToList();
        foreach (var provider in providers)
        {
            options.Rules.Add(new LoggerFilterRule(provider, Category, Floor, filter: null));
        }
    }
}

public static class BadRequestLogSetup
{
    /// <summary>Registers <see cref="BadRequestLog"/>.</summary>
    public static IServiceCollection AddBadRequestLogFloor(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<LoggerFilterOptions>, BadRequestLog>());
        return services;
    }
}
