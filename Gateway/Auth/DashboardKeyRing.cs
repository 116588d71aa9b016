using System.Security.Cryptography.X509Certificates;

namespace QpActors.Gateway.Auth;

/// <summary>
/// Where the keys that protect the dashboard's cookie live (<see cref="DashboardSession"/>): a folder of ASP.NET Core Data
/// Protection keys, so a cookie outlives a restart of the gateway that set it, and gateways given the same folder read
/// each other's cookies. <c>Dashboard:KeyRing</c> names the folder (by default <c>dashboard-keys</c> in the data folder,
/// beside the development signing key); <c>Dashboard:KeyRingCertificate</c> (a PKCS#12 file) and
/// <c>Dashboard:KeyRingCertificatePassword</c>, when set, encrypt every key written there (docs/security.md).
/// <c>Dashboard:KeyRingPreviousCertificates</c> lists certificates the ring was encrypted to before (each <c>File</c> and
/// <c>Password</c>): they only decrypt the keys written with them, so changing the certificate signs no browser out.
/// </summary>
public sealed record DashboardKeyRing(DirectoryInfo Folder, X509Certificate2? Certificate, IReadOnlyList<X509Certificate2> PreviousCertificates)
{
    /// <summary>The folder in the data folder that holds the ring when <c>Dashboard:KeyRing</c> names none.</summary>
    public const string DefaultFolderName = "dashboard-keys";

    /// <summary>
    /// The Data Protection application name every gateway gives its keys' purposes: gateways sharing a ring read each
    /// other's cookies whatever folder each runs from (the framework's default name is the content root, which differs from
    /// host to host), and nothing else using the same folder under another name reads them.
    /// </summary>
    public const string ApplicationName = "qpactors-gateway";

    public static DashboardKeyRing Resolve(IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Dashboard");
        // A relative path resolves against the working directory, as Storage:DataDirectory does.
        var folder = section["KeyRing"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(dataDirectory, DefaultFolderName);

        var certificate = section["KeyRingCertificate"] is { Length: > 0 } file
            ? Load("Dashboard:KeyRingCertificate", file, section["KeyRingCertificatePassword"])
            : null;

        // Listed as a section each (File, Password), so a password never has to be told apart from a path in one value.
        var previous = section.GetSection("KeyRingPreviousCertificates").GetChildren()
            .Select(entry => entry["File"] is { Length: > 0 } previousFile
                ? Load(entry.Path, previousFile, entry["Password"])
                : throw new InvalidOperationException($"{entry.Path}:File must name a PKCS#12 file."))
            .ToList();

        return new DashboardKeyRing(CreateFolder(folder), certificate, previous);
    }

    // Every certificate the ring is read with must decrypt, so it must hold its private key; said at start, naming the setting,
    // rather than as a browser signed out later.
    private static X509Certificate2 Load(string setting, string file, string? password)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.GetFullPath(file), password);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"{setting} must hold the private key: the gateway decrypts the ring's keys with it.");
        }

        return certificate;
    }

    // A key in the ring is enough to forge a cookie for the dashboard, so the folder the gateway creates is its user's alone
    // (a folder that exists already, such as a share for several gateways, keeps the permissions it was given).
    private static DirectoryInfo CreateFolder(string path)
    {
        if (Directory.Exists(path))
        {
            return new DirectoryInfo(path);
        }

        return OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
