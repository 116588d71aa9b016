using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using QpActors.Gateway.Auth;
using QpActors.Gateway.Hosting;
using QpActors.Grains;
using QpActors.Silo;
using QpActors.Tests.Shared;

namespace QpActors.Gateway.Tests;

/// <summary>
/// A real silo (embedded SQLite in a temporary directory) and the real gateway, both in this process
/// on free loopback ports, shared by every end-to-end test. Tests use fresh ids and wards, so they
/// never see each other's data. The gateway is an Orleans client of the silo host, as in production's
/// external topology; <see cref="CoHostedGatewayFixture"/> runs the silo inside the gateway instead. The silo counts its
/// one-way messages, so a test waits for the wards to be fed (<see cref="DrainAsync"/>) rather than reading until its
/// lists look right.
/// </summary>
public class GatewayFixture : IAsyncLifetime
{
    private readonly SiloHosting _hosting;
    private readonly string[] _settings;
    private IHost? _silo;
    private WebApplication? _gateway;
    private string[] _shared = [];

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("qp-gateway-tests-").FullName;

    public HttpClient Http { get; private set; } = null!;

    public GrpcChannel Grpc { get; private set; } = null!;

    public TokenSettings Tokens { get; private set; } = null!;

    public GatewayFixture()
        : this(SiloHosting.External)
    {
    }

    /// <param name="settings">Extra gateway settings as command-line arguments (<c>--Api:MaxConcurrentBatches=1</c>).</param>
    protected GatewayFixture(SiloHosting hosting, params string[] settings)
    {
        _hosting = hosting;
        _settings = settings;
    }

    public IServiceProvider GatewayServices => _gateway!.Services;

    /// <summary>
    /// Deactivates the grain wherever it is active and returns once it has finished deactivating (Orleans' management
    /// grain), as an idle collection, a silo restart or a rebalance would: its next call builds a new activation.
    /// </summary>
    public Task DeactivateAsync(IAddressable grain) =>
        GatewayServices.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).DeactivateGrain(grain.GetGrainId());

    private OneWayMessages Messages { get; } = new();

    /// <summary>
    /// Returns once everything the requests answered so far set in motion has reached the wards (see
    /// <see cref="Delivery.DrainAsync"/>); a ward's worklist, unreached infants and figures then show it.
    /// </summary>
    public Task DrainAsync() =>
        Delivery.DrainAsync(Messages, [(_silo?.Services ?? _gateway!.Services).GetRequiredService<WardFeed>()]);

    public virtual Task InitializeAsync() => StartHostsAsync();

    /// <summary>
    /// Stops the gateway and its silo and starts them again on the same store, as after a deployment or a crash: every
    /// grain then rebuilds from the journal. Only for a collection whose tests allow it (they run one at a time).
    /// </summary>
    public async Task RestartAsync()
    {
        await StopHostsAsync();
        await StartHostsAsync();
    }

    private async Task StartHostsAsync()
    {
        var siloPort = LoopbackPorts.Free();
        var clusterGatewayPort = LoopbackPorts.Free();
        var httpPort = LoopbackPorts.Free();
        var grpcPort = LoopbackPorts.Free();
        string[] shared =
        [
            $"--Storage:DataDirectory={DataDirectory}",
            $"--Cluster:SiloPort={siloPort}",
            $"--Cluster:GatewayPort={clusterGatewayPort}",
            "--Cluster:ClusterId=gateway-tests",
            "--Cluster:ServiceId=gateway-tests",
            "--Logging:LogLevel:Default=Warning",
            .. StoreSettings,
        ];

        if (_hosting == SiloHosting.External)
        {
            var siloBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = shared, ContentRootPath = DataDirectory });
            await siloBuilder.AddQpSiloAsync();
            siloBuilder.Services.AddOneWayMessages(Messages);
            ConfigureSilo(siloBuilder.Services);
            _silo = siloBuilder.Build();
            await _silo.StartAsync();
        }

        _shared = shared;
        _gateway = await BuildGatewayAsync(httpPort, grpcPort, _settings, configure: true);

        // Starting the gateway waits for its Orleans client to connect (or its own silo to start), so the
        // cluster answers from here on.
        await _gateway.StartAsync();

        Tokens = _gateway.Services.GetRequiredService<TokenSettings>();
        // An API client, not a browser: it keeps no cookies, so the dashboard's cookie one test's page load earns is not
        // sent with another test's requests (a browser is DashboardBrowserTests' Browser).
        Http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Grpc = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
    }

    public virtual async Task DisposeAsync()
    {
        await StopHostsAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a closing connection: the temp folder is cleaned by the OS.
        }
    }

    private async Task StopHostsAsync()
    {
        Http?.Dispose();
        Grpc?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
            _gateway = null;
        }

        if (_silo is not null)
        {
            await _silo.StopAsync();
            _silo.Dispose();
            _silo = null;
        }
    }

    /// <summary>
    /// Starts one more gateway, an Orleans client of the same silo (external topology only), with the fixture's settings
    /// and <paramref name="settings"/> after them, on ports of its own: as a gateway restarted, or another behind the same
    /// address. The test disposes it.
    /// </summary>
    public async Task<RunningGateway> StartAnotherGatewayAsync(params string[] settings)
    {
        if (_hosting != SiloHosting.External)
        {
            throw new InvalidOperationException("Another gateway joins the fixture's silo as an Orleans client: external topology only.");
        }

        var httpPort = LoopbackPorts.Free();
        var app = await BuildGatewayAsync(httpPort, LoopbackPorts.Free(), [.. _settings, .. settings], configure: false);
        await app.StartAsync();
        return new RunningGateway(app, httpPort);
    }

    /// <summary>
    /// Starts <paramref name="count"/> more gateways as <see cref="StartAnotherGatewayAsync"/> does, all built first and then
    /// started at once, as gateways behind one address starting together after a deployment. The test disposes them.
    /// </summary>
    public async Task<RunningGateway[]> StartOtherGatewaysTogetherAsync(int count, params string[] settings)
    {
        if (_hosting != SiloHosting.External)
        {
            throw new InvalidOperationException("Another gateway joins the fixture's silo as an Orleans client: external topology only.");
        }

        var built = new List<(WebApplication App, int HttpPort)>();
        for (var i = 0; i < count; i++)
        {
            var httpPort = LoopbackPorts.Free();
            built.Add((await BuildGatewayAsync(httpPort, LoopbackPorts.Free(), [.. _settings, .. settings], configure: false), httpPort));
        }

        await Task.WhenAll(built.Select(b => Task.Run(() => b.App.StartAsync())));
        return [.. built.Select(b => new RunningGateway(b.App, b.HttpPort))];
    }

    private async Task<WebApplication> BuildGatewayAsync(int httpPort, int grpcPort, string[] settings, bool configure)
    {
        var gatewayBuilder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args =
            [
                .. _shared,
                $"--Gateway:HttpPort={httpPort}",
                $"--Gateway:GrpcPort={grpcPort}",
                "--Streams:PollInterval=00:00:00.250",
                _hosting == SiloHosting.InProcess ? "--Gateway:Silo=in-process" : "--Gateway:Silo=external",
                .. settings,
            ],
            ContentRootPath = DataDirectory,
        });
        await gatewayBuilder.AddQpGatewayAsync();
        if (_hosting == SiloHosting.InProcess)
        {
            gatewayBuilder.Services.AddOneWayMessages(Messages);
        }

        if (configure)
        {
            ConfigureGateway(gatewayBuilder.Services);
        }

        var app = gatewayBuilder.Build();
        app.MapQpGateway();
        return app;
    }

    public string Token(TestCaller caller) => TestTokens.Mint(Tokens, caller);

    public HttpRequestMessage Request(HttpMethod method, string path, TestCaller? caller, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (caller is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(caller));
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, TestCaller? caller, string? json = null) =>
        Http.SendAsync(Request(method, path, caller, json));

    public Metadata GrpcHeaders(TestCaller? caller) =>
        caller is null ? [] : new Metadata { { "authorization", "Bearer " + Token(caller) } };

    /// <summary>Settings of the event store, given to the silo and the gateway alike; none is the embedded SQLite file in <see cref="DataDirectory"/>.</summary>
    protected virtual IEnumerable<string> StoreSettings => [];

    /// <summary>Services registered after the silo host's own (external topology only), so they replace its choices.</summary>
    protected virtual void ConfigureSilo(IServiceCollection services)
    {
    }

    /// <summary>Services registered after the gateway's own, so they replace its choices.</summary>
    protected virtual void ConfigureGateway(IServiceCollection services)
    {
    }
}

/// <summary>A gateway a test started beside the fixture's (<see cref="GatewayFixture.StartAnotherGatewayAsync"/>).</summary>
public sealed class RunningGateway(WebApplication app, int httpPort) : IAsyncDisposable
{
    /// <summary>An API client of this gateway alone, keeping no cookies.</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    public IServiceProvider Services => app.Services;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>The gateway process as the silo (<c>Gateway:Silo=in-process</c>): no separate silo host.</summary>
public sealed class CoHostedGatewayFixture() : GatewayFixture(SiloHosting.InProcess);

[CollectionDefinition(Name)]
public sealed class CoHostedGatewayCollection : ICollectionFixture<CoHostedGatewayFixture>
{
    public const string Name = "gateway-co-hosted";
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
