using System.Text.Json;
using Microsoft.Extensions.Configuration;
using QpActors.Gateway.Auth;

namespace QpActors.Gateway.Tests;

public sealed class TokenSettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("qp-keys-").FullName;

    [Fact]
    public void The_embedded_default_creates_the_development_key_once_and_reuses_it()
    {
        var first = TokenSettings.Resolve(Configuration(), _directory);
        var second = TokenSettings.Resolve(Configuration(), _directory);

        Assert.Equal(first.Key, second.Key);
        Assert.Equal(TokenSettings.MinimumKeyBytes, first.Key.Length);
        Assert.Equal("qpactors-dev", first.Issuer);
        Assert.Equal("qpactors", first.Audience);

        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, TokenSettings.DevelopmentKeyFileName)));
        Assert.Equal(Convert.ToBase64String(first.Key), file.RootElement.GetProperty("keyBase64").GetString());
        Assert.Equal("qpactors-dev", file.RootElement.GetProperty("issuer").GetString());
    }

    [Fact]
    public void A_key_file_written_by_another_tool_is_used_as_it_is()
    {
        var key = new byte[40];
        Array.Fill(key, (byte)7);
        File.WriteAllText(
            Path.Combine(_directory, TokenSettings.DevelopmentKeyFileName),
            JsonSerializer.Serialize(new { issuer = "elsewhere", audience = "them", keyBase64 = Convert.ToBase64String(key) }));

        var settings = TokenSettings.Resolve(Configuration(), _directory);

        Assert.Equal(key, settings.Key);
        Assert.Equal("elsewhere", settings.Issuer);
        Assert.Equal("them", settings.Audience);
    }

    [Fact]
    public void Configured_settings_win_and_no_key_file_is_written()
    {
        var key = Convert.ToBase64String(new byte[32]);
        var settings = TokenSettings.Resolve(
            Configuration(("Auth:Issuer", "prod"), ("Auth:Audience", "qp"), ("Auth:SigningKeyBase64", key)), _directory);

        Assert.Equal("prod", settings.Issuer);
        Assert.Equal("qp", settings.Audience);
        Assert.False(File.Exists(Path.Combine(_directory, TokenSettings.DevelopmentKeyFileName)));
    }

    [Fact]
    public void A_configured_key_shorter_than_256_bits_is_refused()
    {
        var configuration = Configuration(("Auth:SigningKeyBase64", Convert.ToBase64String(new byte[16])));

        Assert.Throws<InvalidOperationException>(() => TokenSettings.Resolve(configuration, _directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
