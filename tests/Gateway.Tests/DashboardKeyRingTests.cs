using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace QpActors.Gateway.Tests;

/// <summary>
/// The dashboard's cookie across gateways: its keys live in a folder (the key ring), so a browser signed in to the dashboard
/// stays signed in when the gateway that set its cookie restarts, and when the address it uses sends it to another gateway
/// given the same folder; a gateway given another folder does not read it. Each test's gateways are Orleans clients of the
/// fixture's silo, each ring a temporary folder of the test's own.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DashboardKeyRingTests(GatewayFixture gateway) : IDisposable
{
    private readonly List<string> _folders = [];

    [Fact]
    public async Task A_cookie_set_by_one_gateway_is_read_after_it_restarts_and_by_another_gateway_on_the_same_ring_but_not_on_another()
    {
        var ring = Folder();
        string cookie;
        await using (var first = await gateway.StartAnotherGatewayAsync($"--Dashboard:KeyRing={ring}"))
        {
            cookie = await SignInAsync(first.Http);
            Assert.Equal(HttpStatusCode.OK, await PollAsync(first.Http, cookie));
        }

        // The first gateway is gone; the same gateway started again on the same ring, and a second one beside it.
        await using var restarted = await gateway.StartAnotherGatewayAsync($"--Dashboard:KeyRing={ring}");
        await using var second = await gateway.StartAnotherGatewayAsync($"--Dashboard:KeyRing={ring}");
        Assert.Equal(HttpStatusCode.OK, await PollAsync(restarted.Http, cookie));
        Assert.Equal(HttpStatusCode.OK, await PollAsync(second.Http, cookie));

        // A gateway on a ring of its own, and the fixture's gateway on its default ring (in its data folder), refuse it as
        // any browser without a cookie is refused.
        await using var elsewhere = await gateway.StartAnotherGatewayAsync($"--Dashboard:KeyRing={Folder()}");
        Assert.Equal(HttpStatusCode.Unauthorized, await PollAsync(elsewhere.Http, cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, await PollAsync(gateway.Http, cookie));
    }

    /// <summary>
    /// Three gateways started at once on an empty ring, three times over (each time on a ring of its own): without the lock,
    /// each round made two or three keys about one time in three, so the three rounds together catch it most of the time.
    /// </summary>
    [Fact]
    public async Task Gateways_starting_together_on_an_empty_ring_make_one_key_and_read_each_others_cookies()
    {
        for (var round = 0; round < 3; round++)
        {
            var ring = Folder();
            var gateways = await gateway.StartOtherGatewaysTogetherAsync(3, $"--Dashboard:KeyRing={ring}");
            try
            {
                // One key for all of them: each protects with it, so a cookie set through one is read by every other at
                // once, not only after their cached rings expire (Data Protection looks for an unknown key for two
                // minutes after its start, which is why the cookies alone would not show it here).
                Assert.Single(Directory.GetFiles(ring, "key-*.xml"));
                Assert.Single(gateways.Select(g => ProtectingKey(g.Services)).Distinct());

                foreach (var setter in gateways)
                {
                    var cookie = await SignInAsync(setter.Http);
                    foreach (var reader in gateways)
                    {
                        Assert.Equal(HttpStatusCode.OK, await PollAsync(reader.Http, cookie));
                    }
                }
            }
            finally
            {
                foreach (var started in gateways)
                {
                    await started.DisposeAsync();
                }
            }
        }
    }

    /// <summary>The id of the key a gateway protects new payloads with, read from a payload's header (after its 4-byte magic number).</summary>
    private static Guid ProtectingKey(IServiceProvider services)
    {
        var payload = services.GetRequiredService<IDataProtectionProvider>().CreateProtector("qp-key-ring-test").Protect([1]);
        return new Guid(payload.AsSpan(4, 16));
    }

    [Fact]
    public async Task By_default_the_ring_is_a_folder_in_the_data_folder_that_only_the_gateways_user_can_open()
    {
        // The fixture's gateway names no ring: it keeps one in its data folder, where the development signing key lives.
        var cookie = await SignInAsync(gateway.Http);
        Assert.Equal(HttpStatusCode.OK, await PollAsync(gateway.Http, cookie));

        var ring = new DirectoryInfo(Path.Combine(gateway.DataDirectory, "dashboard-keys"));
        Assert.True(ring.Exists, "no key ring in the data folder");
        Assert.NotEmpty(ring.GetFiles("key-*.xml"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, ring.UnixFileMode);
        }
    }

    [Fact]
    public async Task With_a_certificate_configured_the_keys_are_written_encrypted_and_still_read_after_a_restart()
    {
        var ring = Folder();
        var certificate = Path.Combine(Path.GetDirectoryName(ring)!, "ring.pfx");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=qp-dashboard-ring", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(certificate, created.Export(X509ContentType.Pkcs12, "ring-password"));
        }

        string[] settings = [$"--Dashboard:KeyRing={ring}", $"--Dashboard:KeyRingCertificate={certificate}", "--Dashboard:KeyRingCertificatePassword=ring-password"];
        string cookie;
        await using (var first = await gateway.StartAnotherGatewayAsync(settings))
        {
            cookie = await SignInAsync(first.Http);
        }

        await using var restarted = await gateway.StartAnotherGatewayAsync(settings);
        Assert.Equal(HttpStatusCode.OK, await PollAsync(restarted.Http, cookie));

        // The key's secret is in the file only encrypted to the certificate, never as its plain value.
        var written = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(ring, "key-*.xml")));
        Assert.Contains("EncryptedData", written, StringComparison.Ordinal);
        Assert.DoesNotContain("<value>", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cookie_outlives_a_change_of_certificate_while_the_old_one_is_listed_and_is_refused_once_it_is_not()
    {
        var ring = Folder();
        var old = await CertificateAsync(ring, "old.pfx", "old-password");
        var current = await CertificateAsync(ring, "new.pfx", "new-password");
        string cookie;
        await using (var before = await gateway.StartAnotherGatewayAsync($"--Dashboard:KeyRing={ring}", $"--Dashboard:KeyRingCertificate={old}", "--Dashboard:KeyRingCertificatePassword=old-password"))
        {
            cookie = await SignInAsync(before.Http);
        }

        // The ring's certificate changed; the old one is listed as one that may still decrypt the keys written with it.
        string[] rotated = [$"--Dashboard:KeyRing={ring}", $"--Dashboard:KeyRingCertificate={current}", "--Dashboard:KeyRingCertificatePassword=new-password"];
        await using (var after = await gateway.StartAnotherGatewayAsync(
            [.. rotated, $"--Dashboard:KeyRingPreviousCertificates:0:File={old}", "--Dashboard:KeyRingPreviousCertificates:0:Password=old-password"]))
        {
            Assert.Equal(HttpStatusCode.OK, await PollAsync(after.Http, cookie));
        }

        // Without it, the key that protects the cookie cannot be read: the browser is refused as one without a cookie.
        await using var forgotten = await gateway.StartAnotherGatewayAsync(rotated);
        Assert.Equal(HttpStatusCode.Unauthorized, await PollAsync(forgotten.Http, cookie));
    }

    [Fact]
    public async Task A_previous_certificate_without_its_private_key_stops_the_gateway_at_start()
    {
        var ring = Folder();
        var withKey = await CertificateAsync(ring, "old.pfx", "old-password");
        var publicOnly = Path.Combine(Path.GetDirectoryName(ring)!, "old.cer");
        using (var loaded = X509CertificateLoader.LoadPkcs12FromFile(withKey, "old-password"))
        using (var certificateAlone = X509CertificateLoader.LoadCertificate(loaded.RawData))
        {
            await File.WriteAllBytesAsync(publicOnly, certificateAlone.Export(X509ContentType.Pkcs12));
        }

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => gateway.StartAnotherGatewayAsync(
            $"--Dashboard:KeyRing={ring}", $"--Dashboard:KeyRingPreviousCertificates:0:File={publicOnly}"));
        Assert.Contains("Dashboard:KeyRingPreviousCertificates:0", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A self-signed certificate with its private key, written as a PKCS#12 file beside the ring's folder.</summary>
    private static async Task<string> CertificateAsync(string ring, string name, string password)
    {
        var file = Path.Combine(Path.GetDirectoryName(ring)!, name);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=qp-dashboard-ring-" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllBytesAsync(file, created.Export(X509ContentType.Pkcs12, password));
        return file;
    }

    public void Dispose()
    {
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A fresh folder for a ring, not yet created (the gateway creates it), removed when the test ends.</summary>
    private string Folder()
    {
        var parent = Directory.CreateTempSubdirectory("qp-dashboard-ring-").FullName;
        _folders.Add(parent);
        return Path.Combine(parent, "ring");
    }

    /// <summary>An administrator's page load with the token in the header: the page, and the dashboard's cookie with it.</summary>
    private async Task<string> SignInAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.Token(TestCaller.Administrator()));
        using var page = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var set = Assert.Single(page.Headers.GetValues("Set-Cookie"));
        return set.Split(';')[0];
    }

    /// <summary>What the page's script does every second, carried by the cookie alone.</summary>
    private static async Task<HttpStatusCode> PollAsync(HttpClient http, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters");
        request.Headers.Add("Cookie", cookie);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
