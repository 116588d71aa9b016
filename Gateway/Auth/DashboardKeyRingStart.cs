using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.KeyManagement.Internal;
using Microsoft.Extensions.Options;

namespace QpActors.Gateway.Auth;

/// <summary>
/// Makes the dashboard ring's first key once for every gateway sharing the ring. Data Protection makes a key, activated at
/// once, when it first finds none usable, which it does as the host starts; gateways starting together on an empty ring
/// (or one whose keys have all expired, or none of which it can decrypt) would each make their own, and a gateway reads a
/// key it has not seen only in its first two minutes or when its cached ring expires (within a day), so a cookie set
/// through one was refused by another for that long. Here, before any hosted service starts (Data Protection's own loads
/// the ring in its start), the gateway takes an exclusive lock on a file in the ring's folder, reads the ring and asks Data
/// Protection's own resolver whether it has a default key; only if not does it make one, through Data Protection's key
/// manager, before letting go. The next gateway to take the lock reads that key and makes none.
/// Only the first key needs this: a replacement is made days before the current key expires, activated only at its
/// expiry, and every gateway reads it from the folder before then.
/// </summary>
public sealed class DashboardKeyRingStart(
    DashboardKeyRing ring,
    IKeyManager keys,
    IDefaultKeyResolver resolver,
    IOptions<KeyManagementOptions> options,
    ILogger<DashboardKeyRingStart> logger) : IHostedLifecycleService
{
    /// <summary>The lock file in the ring's folder (Data Protection reads only <c>*.xml</c> there).</summary>
    public const string LockFileName = "ring.lock";

    /// <summary>How long a gateway waits for another to finish with the ring before refusing to start.</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(50);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var held = await LockAsync(cancellationToken);

        // Data Protection's clock is the system's (its key ring provider reads it directly), so its decisions are made by it.
        var now = TimeProvider.System.GetUtcNow();
        if (resolver.ResolveDefaultKeyPolicy(now, keys.GetAllKeys()).DefaultKey is not null)
        {
            return;
        }

        var key = keys.CreateNewKey(now, now + options.Value.NewKeyLifetime);
        logger.LogInformation("The dashboard's key ring had no usable key: made key {KeyId}, which every gateway on the ring reads.", key.KeyId);
    }

    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(ring.Folder.FullName, LockFileName);
        var deadline = TimeProvider.System.GetUtcNow() + LockTimeout;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive lock on the file (flock on Linux), held until the stream is closed, by a
                // process that ends too; a share must honour locks for gateways on different machines.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException held)
            {
                // Another gateway holds the ring for as long as it takes to read it and perhaps write a key.
                if (TimeProvider.System.GetUtcNow() >= deadline)
                {
                    throw new InvalidOperationException($"The dashboard's key ring stayed locked ({path}) for {LockTimeout.TotalSeconds:0} s: another process holds it.", held);
                }

                await Task.Delay(LockRetry, cancellationToken);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
