using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.BrowserTests;

/// <summary>
/// The real portal on a real Kestrel port, in Development (so the e-mail outbox page is on), on a SQLite
/// database in a fresh temp folder, with a support account whose password the tests know.
/// </summary>
public sealed class PortalServer : WebApplicationFactory<Program>
{
    public const string SupportEmail = "support@browser-tests.local";
    public const string SupportPassword = "support-password-for-browser-tests";

    private readonly string dataFolder = Directory.CreateTempSubdirectory("portal-browser-tests-").FullName;
    private readonly int port = FreeLoopbackPort();

    public PortalServer()
    {
        UseKestrel(port);
        StartServer();
    }

    /// <summary>`localhost`, not 127.0.0.1: the account pages' passkey script refuses an IP origin.</summary>
    public string BaseUrl => $"http://localhost:{port}";

    public static string RepoRoot { get; } = FindRepoRoot();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseContentRoot(RepoRoot);
        builder.UseSetting("ConnectionStrings:Portal", $"Data Source={Path.Combine(dataFolder, "portal.db")}");
        // Batch files beside the database, not under the repository's data/ folder.
        builder.UseSetting("Files:Root", Path.Combine(dataFolder, "files"));
        // Script jobs' tasks and kept logs beside it too; GPU samples every second, so a job's chart fills while a journey watches.
        builder.UseSetting("Pool:TaskRoot", Path.Combine(dataFolder, "pool"));
        builder.UseSetting("ScriptJobs:Root", Path.Combine(dataFolder, "jobs"));
        builder.UseSetting("Pool:MetricsIntervalMs", "1000");
        builder.UseSetting("ScriptJobs:MetricsPollSeconds", "1");
        // The Slurm phase of scripts/test.sh runs a cluster and says where: the portal gets a region on it beside the simulator's.
        if (SlurmRegion.ClusterFolder is { } cluster)
            foreach (var (key, value) in SlurmRegion.Settings(cluster)) builder.UseSetting(key, value);
        builder.UseSetting("Support:Email", SupportEmail);
        builder.UseSetting("Support:Password", SupportPassword);
        // Every journey signs in from loopback: rate limits far above what the suite does.
        foreach (var limit in new[]
                 {
                     "SignIn:PerIp", "SignIn:PerAccount", "Register:PerIp", "Register:PerAccount", "PasswordReset:PerIp", "PasswordReset:PerAccount",
                     "Api:PerKey", "Api:PerUser", "Api:AnonymousPerIp",
                 })
            builder.UseSetting("RateLimits:" + limit, "1000000");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
            try { Directory.Delete(dataFolder, recursive: true); }
            catch (IOException) { } // SQLite may still hold a file for a moment; it is a temp folder anyway.
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}.");
    }
}
