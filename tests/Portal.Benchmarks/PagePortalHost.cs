using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Benchmarks;

/// <summary>
/// The portal for the page and circuit benchmarks: Production, SQLite in a temp folder, the embedded simulated pool, on a real
/// Kestrel port (as the browser tests run it), no job server (recurring jobs would only add noise to an idle-page measurement).
/// </summary>
internal sealed class PagePortalHost : WebApplicationFactory<Portal.Web.Components.App>
{
    public const string SupportEmail = "support@bench.local";
    public const string SupportPassword = "support-password-for-the-benchmark";
    private readonly string folder = Directory.CreateTempSubdirectory("portal-pages-bench-").FullName;

    private readonly Action<IServiceCollection> services;

    public PagePortalHost(int port, Action<IServiceCollection> services)
    {
        Port = port;
        this.services = services;
        UseKestrel(port);
        StartServer();
    }

    public int Port { get; }
    public string BaseUrl => $"http://localhost:{Port}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(LeaseCommitBenchmarkHost.RepoRoot());
        builder.UseEnvironment("Production");
        // Production does not load the build's static web assets manifest by itself (a publish has the files): the
        // circuit benchmark's Chromium needs blazor.web.js and MudBlazor's files.
        builder.UseStaticWebAssets();
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("ConnectionStrings:Portal", $"Data Source={Path.Combine(folder, "portal.db")}");
        builder.UseSetting("Files:Root", Path.Combine(folder, "files"));
        builder.UseSetting("Pool:TaskRoot", Path.Combine(folder, "pool"));
        builder.UseSetting("ScriptJobs:Root", Path.Combine(folder, "jobs"));
        builder.UseSetting("Support:Email", SupportEmail);
        builder.UseSetting("Support:Password", SupportPassword);
        builder.UseSetting("Jobs:RunServer", "false");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
        builder.ConfigureServices(services);
        foreach (var limit in new[] { "SignIn:PerIp", "SignIn:PerAccount", "Api:PerUser", "Api:AnonymousPerIp" })
            builder.UseSetting("RateLimits:" + limit, "1000000");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
