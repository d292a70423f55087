using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;

namespace Portal.Benchmarks;

/// <summary>
/// The whole portal in this process (listening on a loopback port) with its job server, the supervisor and the embedded
/// simulator running tasks as real
/// processes (in a temp task folder), and one tenant whose Owner holds an Active lease: what the script-job benchmark
/// drives. Jobs are launched through the portal's own launching service, as the page and the API do.
/// </summary>
internal sealed class ScriptJobBenchmarkKit : IAsyncDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("portal-jobs-bench-").FullName;
    private AsyncServiceScope member;

    public LeaseCommitBenchmarkHost Host { get; }
    public Guid TenantId { get; private set; }
    public string UserId { get; private set; } = "";
    public Guid LeaseId { get; private set; }
    /// <summary>The lease's allocations: the pool's reservation ids its tasks run on.</summary>
    public HashSet<Guid> AllocationIds { get; private set; } = [];

    private ScriptJobBenchmarkKit(string? postgresServer, IReadOnlyDictionary<string, string> overrides)
    {
        var settings = new Dictionary<string, string>
        {
            // The job server runs here (provisioning, the supervisor's dispatch and sweep), on a pool that reserves at once.
            ["Jobs:RunServer"] = "true",
            ["Pool:ReservationDelayMs"] = "0",
            ["Pool:LatencyMultiplier"] = "0",
            ["Pool:TaskRoot"] = Path.Combine(folder, "tasks"),
            ["ScriptJobs:Root"] = Path.Combine(folder, "jobs"),
            ["Files:Root"] = Path.Combine(folder, "files"),
        };
        foreach (var (key, value) in overrides) settings[key] = value;
        Host = new LeaseCommitBenchmarkHost(postgresServer, settings);
    }

    public string Database => Host.Describe;

    /// <summary>Where the portal answers HTTP (Kestrel on a free loopback port: the log readers run in another process).</summary>
    public Uri BaseUrl { get; } = new($"http://127.0.0.1:{FreeLoopbackPort()}/");

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the portal and signs an <paramref name="gpus"/>-GPU H100 lease from this hour; returns once the job server made it Active.</summary>
    public static async Task<ScriptJobBenchmarkKit> StartAsync(string? postgresServer, int gpus, IReadOnlyDictionary<string, string> overrides)
    {
        var kit = new ScriptJobBenchmarkKit(postgresServer, overrides);
        kit.Host.UseKestrel(kit.BaseUrl.Port);
        kit.Host.StartServer(); // start: migrate, seed, the embedded simulator, the job server; then listen
        (kit.TenantId, kit.UserId) = await kit.Host.NewTenantAsync("Jobs bench");
        kit.member = await kit.Host.AsAsync(kit.UserId);
        var now = DateTime.UtcNow;
        var thisHour = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        var held = await kit.Get<LeaseQuoting>().HoldAsync(new LeaseRequest("us-east-2", "h100-sxm-80gb", gpus, thisHour, 6));
        await kit.Get<LeaseSigning>().SignAsync(held.Id, "Bench Signer", accepted: true);
        kit.LeaseId = held.Id;
        await kit.UntilAsync("the lease is Active", TimeSpan.FromMinutes(2), async db =>
            await db.Leases.AnyAsync(l => l.Id == held.Id && l.State == LeaseState.Active));
        await using var db = kit.NewDb();
        kit.AllocationIds = [.. await db.Set<Allocation>().Where(a => a.LeaseId == held.Id).Select(a => a.Id).ToListAsync()];
        return kit;
    }

    /// <summary>A service of the Owner's scope (launching, cancelling, logs).</summary>
    public T Get<T>() where T : notnull => member.ServiceProvider.GetRequiredService<T>();

    public Task<ScriptJob> LaunchAsync(string name, string script, int gpus = 1) =>
        Get<ScriptJobLaunching>().LaunchAsync(LeaseId, new ScriptJobRequest(name, script, gpus));

    /// <summary>A context that sees every tenant (the benchmark reads behind the portal's back).</summary>
    public PortalDbContext NewDb() =>
        Host.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext().ActAsSupport();

    public async Task<ScriptJobState> StateAsync(Guid jobId)
    {
        await using var db = NewDb();
        return await db.ScriptJobs.Where(j => j.Id == jobId).Select(j => j.State).FirstAsync();
    }

    /// <summary>This lease's jobs not yet in a final state.</summary>
    public async Task<int> OpenJobsAsync()
    {
        await using var db = NewDb();
        return await db.ScriptJobs.CountAsync(j => j.LeaseId == LeaseId
            && (j.State == ScriptJobState.Queued || j.State == ScriptJobState.Starting || j.State == ScriptJobState.Running));
    }

    public async Task UntilAsync(string what, TimeSpan patience, Func<PortalDbContext, Task<bool>> done, int pollMs = 100)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            await using (var db = NewDb())
                if (await done(db)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {patience}: {what}.");
            await Task.Delay(pollMs);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await member.DisposeAsync();
        await Host.DisposeAsync();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
