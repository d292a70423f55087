using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Capacity;
using Portal.Core.Catalog.Hyperscale;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Benchmarks;

/// <summary>
/// The hyperscale pool (<c>--Catalog:Seed=hyperscale</c>, issue 18): seeds it through the portal's own start, then times
/// what the issue's goals name, in this process (server time, no network): the availability calendar, the SKU page, a
/// quote of <c>--gpus</c> (50,000) GPUs over 30 days and its sign, Support's approval, provisioning every node on the
/// embedded simulator (with its progress), and the portal's memory idle with the pool loaded.
/// </summary>
internal static class HyperscaleBenchmark
{
    public static async Task<int> RunCommandAsync(Func<string, string?> arg, bool sqlite, TextWriter log)
    {
        var postgres = arg("--postgres") ?? Environment.GetEnvironmentVariable("PORTAL_BENCH_POSTGRES");
        var o = new HyperscaleSeedOptions();
        o.Nodes = int.Parse(arg("--nodes") ?? o.Nodes.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        o.Allocations = int.Parse(arg("--allocations") ?? o.Allocations.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        o.Tenants = int.Parse(arg("--tenants") ?? o.Tenants.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var gpus = int.Parse(arg("--gpus") ?? (o.Nodes / 2 * 8).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        log.WriteLine($"Hyperscale benchmark: {o.Nodes:N0} nodes × 8 GPUs in {o.RegionId}, {o.Allocations:N0} allocations of {o.Tenants:N0} tenants " +
            $"over {o.Days} days; a lease of {gpus:N0} GPUs over 30 days (.NET {Environment.Version}, {Environment.ProcessorCount} cores, " +
            $"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
        if (sqlite) await RunAsync(null, o, gpus, log);
        if (!string.IsNullOrWhiteSpace(postgres)) await RunAsync(postgres, o, gpus, log);
        else log.WriteLine("  PostgreSQL skipped: pass --postgres \"<connection string>\" or set PORTAL_BENCH_POSTGRES.");
        return 0;
    }

    private static async Task RunAsync(string? postgres, HyperscaleSeedOptions o, int gpus, TextWriter log)
    {
        var settings = new Dictionary<string, string>
        {
            ["Catalog:Seed"] = HyperscaleSeedOptions.SeedName,
            ["Catalog:Hyperscale:Nodes"] = o.Nodes.ToString(CultureInfo.InvariantCulture),
            ["Catalog:Hyperscale:Allocations"] = o.Allocations.ToString(CultureInfo.InvariantCulture),
            ["Catalog:Hyperscale:Tenants"] = o.Tenants.ToString(CultureInfo.InvariantCulture),
            // The lease starts at the next whole hour: provisioning is due at once, as it would be two minutes before.
            ["Leases:ProvisionLeadMinutes"] = "120",
        };
        var started = Stopwatch.StartNew();
        await using var host = new LeaseCommitBenchmarkHost(postgres, settings);
        _ = host.Services; // start: migrate, seed, start the simulator with every node
        log.WriteLine($"  {host.Describe}: seeded and started in {started.Elapsed.TotalSeconds:N1} s");

        var availability = host.Services.GetRequiredService<AvailabilityQueries>();
        await Time(log, "Availability calendar (90 days)", 20, () => availability.CalendarAsync(o.RegionId, o.SkuId));
        using var http = host.CreateClient();
        await Time(log, $"SKU page /catalog/gpus/{o.SkuId}", 20, async () => (await http.GetAsync($"/catalog/gpus/{o.SkuId}")).EnsureSuccessStatusCode());
        log.WriteLine($"  Memory idle with the pool loaded: {Memory()}");

        var (tenantId, userId) = await host.NewTenantAsync("Whole campus customer");
        using (var support = host.Services.CreateScope())
        {
            // A huge lease needs Support to raise the organisation's limits first.
            var limits = support.ServiceProvider.GetRequiredService<TenantLimitsAdmin>();
            await limits.SetVerifiedAsync(tenantId, true);
            await limits.SetGpuQuotaAsync(tenantId, o.SkuId, TenantLimitsAdmin.MaxGpuQuota);
            await limits.SetSpendCeilingAsync(tenantId, Portal.Core.Spend.SpendOptions.MaxCeilingMicros);
        }
        var start = CancellationPolicy.FloorHour(DateTime.UtcNow).AddHours(1);
        Lease lease;
        await using (var scope = await host.AsAsync(userId))
        {
            var sw = Stopwatch.StartNew();
            var cpu = Environment.CpuUsage.TotalTime;
            lease = await scope.ServiceProvider.GetRequiredService<LeaseQuoting>()
                .HoldAsync(new LeaseRequest(o.RegionId, o.SkuId, gpus, start, 30 * 24));
            log.WriteLine($"  Quote of {gpus:N0} GPUs over 30 days: {sw.Elapsed.TotalMilliseconds:N0} ms " +
                $"({(Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds:N0} ms CPU), {lease.Allocations.Count:N0} nodes held (goal < 1 s)");
            sw.Restart();
            cpu = Environment.CpuUsage.TotalTime;
            lease = await scope.ServiceProvider.GetRequiredService<LeaseSigning>().SignAsync(lease.Id, "Bench Signer", accepted: true);
            log.WriteLine($"  Sign: {sw.Elapsed.TotalMilliseconds:N0} ms ({(Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds:N0} ms CPU), " +
                $"now {lease.State} (goal < 2 s)");
        }
        if (lease.State == LeaseState.PendingApproval)
        {
            using var support = host.Services.CreateScope();
            var sw = Stopwatch.StartNew();
            await support.ServiceProvider.GetRequiredService<LeaseAdminDecisions>().ApproveAsync(lease.Id);
            log.WriteLine($"  Support's approval: {sw.Elapsed.TotalMilliseconds:N0} ms");
        }
        await ProvisionAsync(host, lease.Id, log);
        log.WriteLine($"  Memory at the end: {Memory()}; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:N0} MB");
    }

    private static async Task ProvisionAsync(LeaseCommitBenchmarkHost host, Guid leaseId, TextWriter log)
    {
        using var cts = new CancellationTokenSource();
        var sw = Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;
        var progress = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                try { await Task.Delay(2000, cts.Token); } catch (OperationCanceledException) { return; }
                log.WriteLine($"    {sw.Elapsed.TotalSeconds,5:N1} s: {await ProgressAsync(host, leaseId)}");
            }
        });
        using (var scope = host.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<ProvisionLeaseJob>().RunAsync(leaseId);
        await cts.CancelAsync();
        await progress;
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var state = await db.Leases.IgnoreQueryFilters().Where(l => l.Id == leaseId).Select(l => l.State).FirstAsync();
        log.WriteLine($"  Provisioning on the simulator: {sw.Elapsed.TotalSeconds:N1} s ({(Environment.CpuUsage.TotalTime - cpu).TotalSeconds:N1} s CPU), " +
            $"{await ProgressAsync(host, leaseId)}, lease {state}");
    }

    private static async Task<string> ProgressAsync(LeaseCommitBenchmarkHost host, Guid leaseId)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var all = db.Allocations.Where(a => a.LeaseId == leaseId && a.Status == AllocationStatus.Firm);
        return $"{await all.CountAsync(a => a.ReservedAt != null):N0} of {await all.CountAsync():N0} nodes ready";
    }

    private static async Task Time(TextWriter log, string what, int runs, Func<Task> run)
    {
        for (var i = 0; i < 3; i++) await run();
        var times = new double[runs];
        var cpu = Environment.CpuUsage.TotalTime;
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            await run();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        log.WriteLine($"  {what}: median {times[runs / 2]:N1} ms, p90 {times[runs * 9 / 10]:N1} ms, " +
            $"{(Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / runs:N1} ms CPU each (goal < 20 ms)");
    }

    private static string Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return $"{Process.GetCurrentProcess().WorkingSet64 / 1048576.0:N0} MB working set, {GC.GetTotalMemory(false) / 1048576.0:N0} MB managed heap";
    }
}
