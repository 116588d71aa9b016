using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QpActors.Gateway.Auth;

/// <summary>Who issues the tokens the gateway accepts, for whom, and the HS256 key that signs them.</summary>
public sealed record TokenSettings(string Issuer, string Audience, byte[] Key)
{
    public const string DefaultIssuer = "qpactors-dev";
    public const string DefaultAudience = "qpactors";
    public const string DevelopmentKeyFileName = "dev-signing-key.json";

    /// <summary>HS256 needs at least a 256-bit key.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>
    /// <c>Auth:Issuer</c>, <c>Auth:Audience</c> and <c>Auth:SigningKeyBase64</c> win; without a configured key
    /// the embedded default uses (and creates on first start) the development key file in the data directory,
    /// the same file <c>./qp token</c> signs with.
    /// </summary>
    public static TokenSettings Resolve(IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Auth");
        var configuredKey = section["SigningKeyBase64"];
        if (!string.IsNullOrWhiteSpace(configuredKey))
        {
            var key = Convert.FromBase64String(configuredKey);
            if (key.Length < MinimumKeyBytes)
            {
                throw new InvalidOperationException($"Auth:SigningKeyBase64 must decode to at least {MinimumKeyBytes} bytes.");
            }

            return new TokenSettings(section["Issuer"] ?? DefaultIssuer, section["Audience"] ?? DefaultAudience, key);
        }

        var file = DevelopmentKeyFile.LoadOrCreate(Path.Combine(dataDirectory, DevelopmentKeyFileName));
        return new TokenSettings(
            section["Issuer"] ?? file.Issuer,
            section["Audience"] ?? file.Audience,
            Convert.FromBase64String(file.KeyBase64));
    }
}

/// <summary>The development key file: <c>{"issuer", "audience", "keyBase64"}</c>.</summary>
public sealed record DevelopmentKeyFile(
    [property: JsonPropertyName("issuer")] string Issuer,
    [property: JsonPropertyName("audience")] string Audience,
    [property: JsonPropertyName("keyBase64")] string KeyBase64)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static DevelopmentKeyFile LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (TryLoad(path) is { } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var created = new DevelopmentKeyFile(
            TokenSettings.DefaultIssuer,
            TokenSettings.DefaultAudience,
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(TokenSettings.MinimumKeyBytes)));

        // Written aside and moved into place without overwriting, so a silo, a gateway and the CLI
        // starting together all end up with the one key that won.
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(created, Indented));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
            return created;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return TryLoad(path) ?? throw new InvalidOperationException($"The signing key file {path} is unreadable.");
        }
    }

    private static DevelopmentKeyFile? TryLoad(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var file = JsonSerializer.Deserialize<DevelopmentKeyFile>(File.ReadAllText(path));
        if (file is null || string.IsNullOrWhiteSpace(file.KeyBase64))
        {
            throw new InvalidOperationException($"The signing key file {path} has no keyBase64.");
        }

        return file with
        {
            Issuer = string.IsNullOrWhiteSpace(file.Issuer) ? TokenSettings.DefaultIssuer : file.Issuer,
            Audience = string.IsNullOrWhiteSpace(file.Audience) ? TokenSettings.DefaultAudience : file.Audience,
        };
    }
}
