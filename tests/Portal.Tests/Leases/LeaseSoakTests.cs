using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Tests.Leases;

/// <summary>
/// "No overbooking, ever", the long way: 2,000 randomized hold, sign, extend, cancel, release and node-failure
/// operations (and the lifecycle jobs) from several tenants, 24 at a time, on two small pools while the clock
/// moves; then the independent checker. Set PORTAL_SOAK_SEED to replay a failing seed.
/// </summary>
public class LeaseSoakTests(QuietLeaseFactory factory, ITestOutputHelper output) : IClassFixture<QuietLeaseFactory>
{
    private const int Operations = 2_000;
    private const int Concurrency = 24;

    [Fact]
    public async Task Two_thousand_concurrent_lease_operations_never_overbook_and_leave_every_lease_consistent()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_SOAK_SEED"), out var s) ? s : Random.Shared.Next();
        output.WriteLine($"seed {seed} (PORTAL_SOAK_SEED={seed} replays the same choices)");
        var soak = new LeaseSoak(factory, seed);
        await soak.ArrangeAsync(tenants: 6);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;
        for (var done = 0; done < Operations; done += Concurrency)
        {
            await soak.RunBatchAsync(Math.Min(Concurrency, Operations - done));
            Assert.True(soak.Failures.IsEmpty, $"seed {seed}, after {done + Concurrency} operations:\n" + string.Join("\n", soak.Failures.Take(10)));
            if (done / Concurrency % 20 == 19)
            {
                var midway = await CheckAsync();
                Assert.True(midway.Clean, $"seed {seed}, after {done + Concurrency} operations: {midway.Describe()}");
            }
        }

        output.WriteLine($"{Operations} operations in {clock.Elapsed.TotalSeconds:F1} s, "
            + $"{(Environment.CpuUsage.TotalTime - cpu).TotalSeconds:F1} s CPU of the test process (other test classes included)");
        var report = await CheckAsync();
        foreach (var line in soak.Summary()) output.WriteLine(line);
        output.WriteLine($"checked {report.Leases} leases, {report.Allocations} allocations, {report.NodeHours} node-hours");
        Assert.True(report.Clean, $"seed {seed}: {report.Describe()}");
        // The run did something: leases were held, signed, extended and refused for capacity.
        Assert.True(soak.Count("hold", "ok") > 50 && soak.Count("sign", "ok") > 20 && soak.Count("hold", "no_capacity") > 0
                    && soak.Count("extend", "ok") > 0 && soak.Count("cancel", "ok") > 0,
            $"seed {seed}: too little happened:\n" + string.Join("\n", soak.Summary()));
    }

    private async Task<AllocationReport> CheckAsync()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await AllocationChecker.CheckAsync(db, factory.Now);
    }
}

/// <summary>The lease factory without per-command and per-request logs: 2,000 operations would print megabytes.</summary>
public class QuietLeaseFactory : LeaseFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Logging:LogLevel:Default", "Warning"),
        new("Logging:LogLevel:Microsoft", "Warning"),
        new("Logging:LogLevel:System.Net.Http", "Warning"),
        new("Logging:LogLevel:Polly", "Warning"),
    ];
}
