using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace QpActors.Simulation.Security;

/// <summary>
/// The embedded mode's development signing key, kept in <c>./data/dev-signing-key.json</c> as
/// <c>{"issuer":"qpactors-dev","audience":"qpactors","keyBase64":"..."}</c>. Development only: anyone with the file can mint tokens.
/// </summary>
public sealed record DevSigningKey(string Issuer, string Audience, string KeyBase64)
{
    public const string FileName = "dev-signing-key.json";
    public const string DefaultIssuer = "qpactors-dev";
    public const string DefaultAudience = "qpactors";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,

        // Keeps "+" and "/" of the base64 key readable in the file.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A fresh key of 32 random bytes (the 256 bits HS256 needs).</summary>
    public static DevSigningKey Create() =>
        new(DefaultIssuer, DefaultAudience, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <summary>Reads the key from the data folder, creating folder and key when missing.</summary>
    public static DevSigningKey LoadOrCreate(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var stream = new FileStream(path, options);
                JsonSerializer.Serialize(stream, Create(), Json);
                stream.Flush();
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process (the silo or a second CLI) created it first; use theirs.
            }
        }

        return Load(path);
    }

    public static DevSigningKey Load(string path)
    {
        var text = File.ReadAllText(path);
        var key = JsonSerializer.Deserialize<DevSigningKey>(text, Json)
            ?? throw new InvalidDataException($"{path}: empty signing key file");
        if (string.IsNullOrWhiteSpace(key.Issuer) || string.IsNullOrWhiteSpace(key.Audience) || key.KeyBytes().Length < 32)
        {
            throw new InvalidDataException($"{path}: needs issuer, audience and keyBase64 of at least 32 bytes");
        }

        return key;
    }

    public byte[] KeyBytes()
    {
        try
        {
            return Convert.FromBase64String(KeyBase64 ?? "");
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException("keyBase64 is not base64", ex);
        }
    }

    public SymmetricSecurityKey ToSecurityKey() => new(KeyBytes()) { KeyId = "qpactors-dev" };

    /// <summary>What a service validating these tokens checks: issuer, audience, lifetime and the HS256 signature.</summary>
    public TokenValidationParameters ToValidationParameters() => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = ToSecurityKey(),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromMinutes(1),
        NameClaimType = DevTokens.NameClaim,
        RoleClaimType = DevTokens.RoleClaim,
    };
}
