using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;

namespace Portal.Benchmarks;

/// <summary>
/// Issue 15's figures on a real Slurm cluster (scripts/slurm-cluster.sh start): (a) lease signed to Active, one whole-node
/// lease at a time in the Slurm region, each released early once Active so the next finds a free node; (b) script job
/// launch to Running in one Active Slurm lease, one 1-GPU <c>sleep 1</c> job at a time with at most half the node busy.
/// The portal runs in this process with its job server, on SQLite.
/// </summary>
internal static class SlurmBenchmark
{
    public const string Region = "slurm-lab";
    private const string Sku = "h100-sxm-80gb";
    private const int NodeGpus = 8;

    public static async Task<int> RunAsync(Func<string, string?> arg, TextWriter log)
    {
        var cluster = arg("--cluster") ?? Environment.GetEnvironmentVariable("PORTAL_TEST_SLURM") ?? "/tmp/portal-slurm";
        var leases = int.Parse(arg("--leases") ?? "50");
        var launches = int.Parse(arg("--launches") ?? "200");
        if (!File.Exists(Path.Combine(cluster, "etc", "slurm.conf")))
        {
            log.WriteLine($"No Slurm cluster at {cluster}: run scripts/slurm-cluster.sh start (or pass --cluster DIR).");
            return 1;
        }
        var folder = Directory.CreateTempSubdirectory("portal-slurm-bench-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["Jobs:RunServer"] = "true",
            ["Pool:ReservationDelayMs"] = "0",
            ["Pool:TaskRoot"] = Path.Combine(folder, "tasks"),
            ["ScriptJobs:Root"] = Path.Combine(folder, "jobs"),
            ["Files:Root"] = Path.Combine(folder, "files"),
            [$"Pool:Regions:{Region}:Driver"] = "Slurm",
            [$"Pool:Regions:{Region}:Name"] = "Slurm lab",
            [$"Pool:Regions:{Region}:Slurm:Conf"] = Path.Combine(cluster, "etc", "slurm.conf"),
            [$"Pool:Regions:{Region}:Slurm:JobRoot"] = Path.Combine(cluster, "jobs"),
            [$"Pool:Regions:{Region}:Slurm:Sku"] = Sku,
        };
        log.WriteLine($"Slurm benchmark: {leases} leases signed to Active, {launches} jobs launched to Running, cluster {cluster} " +
            $"(.NET {Environment.Version}, {Environment.ProcessorCount} cores)");
        await using var host = new LeaseCommitBenchmarkHost(null, settings);
        _ = host.Services;
        var (_, userId) = await host.NewTenantAsync("Slurm bench");
        await using var member = await host.AsAsync(userId);
        T Get<T>() where T : notnull => member.ServiceProvider.GetRequiredService<T>();
        PortalDbContext Db() => host.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext().ActAsSupport();

        var signed = new List<double>();
        Guid lastLease = default;
        for (var i = -1; i < leases; i++)
        {
            var held = await Get<LeaseQuoting>().HoldAsync(new LeaseRequest(Region, Sku, NodeGpus, ThisHour(), 6));
            var clock = Stopwatch.StartNew();
            await Get<LeaseSigning>().SignAsync(held.Id, "Bench Signer", accepted: true);
            await UntilAsync(Db, TimeSpan.FromMinutes(3), async db => await db.Leases.AnyAsync(l => l.Id == held.Id && l.State == LeaseState.Active));
            if (i >= 0) signed.Add(clock.Elapsed.TotalMilliseconds);
            if (i < leases - 1) await Get<LeaseCancelling>().ReleaseAsync(held.Id);
            lastLease = held.Id;
        }
        signed.Sort();
        log.WriteLine($"  lease signed to Active: {signed.Count} leases, p50 {P(signed, 50):N0} ms, p99 {P(signed, 99):N0} ms");

        var running = new List<double>();
        for (var i = -5; i < launches; i++)
        {
            while (await OpenJobsAsync(Db, lastLease) >= NodeGpus / 2) await Task.Delay(20);
            var clock = Stopwatch.StartNew();
            var job = await Get<ScriptJobLaunching>().LaunchAsync(lastLease, new ScriptJobRequest($"launch {i}", "sleep 1", 1));
            ScriptJobState state;
            while ((state = await StateAsync(Db, job.Id)) is ScriptJobState.Queued or ScriptJobState.Starting) await Task.Delay(10);
            if (i >= 0 && state is ScriptJobState.Running or ScriptJobState.Succeeded) running.Add(clock.Elapsed.TotalMilliseconds);
            else if (i >= 0) log.WriteLine($"  job {i} ended {state} without running");
        }
        running.Sort();
        log.WriteLine($"  job launch to Running: {running.Count} jobs, p50 {P(running, 50):N0} ms, p99 {P(running, 99):N0} ms");
        await UntilAsync(Db, TimeSpan.FromMinutes(2), async db => await OpenJobsAsync(Db, lastLease) == 0);
        await Get<LeaseCancelling>().ReleaseAsync(lastLease);
        // The job server gives the nodes back to Slurm: wait for it, or the cluster keeps reservations of a portal that is gone.
        await UntilAsync(Db, TimeSpan.FromMinutes(2), async db => !await db.Allocations.AnyAsync(a => a.RegionId == Region
            && a.ReservedAt != null && a.PoolReleasedAt == null));
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return 0;
    }

    private static DateTime ThisHour()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
    }

    private static double P(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : LeaseCommitBenchmark.Percentile([.. sorted], p);

    private static async Task<int> OpenJobsAsync(Func<PortalDbContext> db, Guid leaseId)
    {
        await using var c = db();
        return await c.ScriptJobs.CountAsync(j => j.LeaseId == leaseId
            && (j.State == ScriptJobState.Queued || j.State == ScriptJobState.Starting || j.State == ScriptJobState.Running));
    }

    private static async Task<ScriptJobState> StateAsync(Func<PortalDbContext> db, Guid jobId)
    {
        await using var c = db();
        return await c.ScriptJobs.Where(j => j.Id == jobId).Select(j => j.State).FirstAsync();
    }

    private static async Task UntilAsync(Func<PortalDbContext> db, TimeSpan patience, Func<PortalDbContext, Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            await using (var c = db())
                if (await done(c)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {patience}.");
            await Task.Delay(20);
        }
    }
}
