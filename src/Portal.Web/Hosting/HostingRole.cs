using Portal.Core.Data;
using Portal.Core.Pool;

namespace Portal.Web.Hosting;

/// <summary>What one process of a deployment does (<c>Hosting:Role</c>).</summary>
public enum HostingRole
{
    /// <summary>Pages, APIs and the job server in one process: the default, and the only role on SQLite.</summary>
    All,
    /// <summary>Pages and APIs; jobs are enqueued for the worker processes (no job server, no pool monitors).</summary>
    Web,
    /// <summary>The job server and the pool monitors (node health, script-job supervisor); HTTP serves only <c>/healthz</c>.</summary>
    Worker,
}

/// <summary>
/// Chooses the process's role before the services are added, and checks it against the database and the pool, so that a
/// split deployment that cannot work stops at start with the setting named rather than running jobs twice or never.
/// </summary>
public static class HostingRoles
{
    public const string Setting = "Hosting:Role";

    /// <summary>
    /// Reads <c>Hosting:Role</c> (<c>web</c>, <c>worker</c> or <c>all</c>; unset: <c>web</c> when <c>Jobs:RunServer=false</c>, as
    /// before the setting existed, else <c>all</c>) and makes <c>Jobs:RunServer</c> follow it.
    /// </summary>
    public static HostingRole AddPortalHostingRole(this WebApplicationBuilder builder)
    {
        var role = Resolve(builder.Configuration);
        if (role == HostingRole.Web) builder.Configuration.AddInMemoryCollection([new("Jobs:RunServer", "false")]); // last source: it wins
        builder.Services.AddSingleton(new PortalHostingRole(role));
        return role;
    }

    public static HostingRole Resolve(IConfiguration config)
    {
        var runServer = config.GetValue("Jobs:RunServer", true);
        var text = config[Setting];
        if (string.IsNullOrWhiteSpace(text)) return runServer ? HostingRole.All : HostingRole.Web;
        if (!Enum.TryParse<HostingRole>(text.Trim(), ignoreCase: true, out var role) || !Enum.IsDefined(role) || int.TryParse(text, out _))
            throw new InvalidOperationException($"{Setting}={text} is not a role: use web, worker or all.");
        if (role != HostingRole.Web && !runServer)
            throw new InvalidOperationException($"{Setting}={text} runs the job server but Jobs:RunServer=false says not to: remove one of them.");
        if (role == HostingRole.All) return role;

        // SQLite's job storage is a file for one process: split roles would leave jobs to a server that cannot see them.
        var provider = Enum.TryParse<DatabaseProvider>(config["Database:Provider"], ignoreCase: true, out var p) ? p : DatabaseProvider.Sqlite;
        if (provider != DatabaseProvider.PostgreSql)
            throw new InvalidOperationException($"{Setting}={text} needs Database:Provider=PostgreSql: on SQLite run one process (all).");
        // Each process without Pool:SimulatorUrl starts its own embedded pool; workers must reserve on the one pool every process sees.
        if (role == HostingRole.Worker && string.IsNullOrWhiteSpace(config["Pool:SimulatorUrl"])
            && string.Equals(config["Pool:Driver"] ?? PoolOptions.Simulator, PoolOptions.Simulator, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{Setting}=worker needs Pool:SimulatorUrl: the simulated pool every process shares (the web " +
                "process's embedded one on Pool:SimulatorPort, or a standalone simulator); a pool of its own would not be the one the others see.");
        return role;
    }

    /// <summary>
    /// In a worker-only process: maps <c>/healthz</c> alone (anything else is a 404 problem), runs until stopped and returns true.
    /// In the other roles returns false at once, and Program maps the pipeline, pages and APIs.
    /// </summary>
    public static async Task<bool> RunAsWorkerOnlyAsync(this WebApplication app)
    {
        if (app.Services.GetRequiredService<PortalHostingRole>().Role != HostingRole.Worker) return false;
        app.MapPortalHealth();
        app.MapFallback(() => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
            detail: "This is a worker process of the portal: it serves only /healthz."));
        await app.RunAsync();
        return true;
    }
}

/// <summary>The role this process runs as, for whatever needs to know after start.</summary>
public sealed record PortalHostingRole(HostingRole Role);
