using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>What the lifecycle tests share: running jobs as the job server would, and reading the database and the pool.</summary>
public sealed class LifecycleKit(LeaseFactory factory)
{
    public Task SweepAsync() => RunAsync<LeaseLifecycleJob>(j => j.RunAsync());

    /// <summary>Runs a job resolved in its own scope, as Hangfire does.</summary>
    public async Task RunAsync<TJob>(Func<TJob, Task> run) where TJob : notnull
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await run(scope.ServiceProvider.GetRequiredService<TJob>());
    }

    public async Task<Lease> SignedAsync(Guid tenantId, string ownerId, LeaseRequest request)
    {
        await using var member = await factory.As(tenantId, ownerId);
        var held = await member.Quoting.HoldAsync(request);
        var signed = await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
        Assert.Equal(LeaseState.Scheduled, signed.State);
        return signed;
    }

    /// <summary>An active lease, provisioned by its job.</summary>
    public async Task<Lease> ActiveAsync(Guid tenantId, string ownerId, LeaseRequest request)
    {
        var signed = await SignedAsync(tenantId, ownerId, request);
        await RunAsync<ProvisionLeaseJob>(j => j.RunAsync(signed.Id));
        var active = await LoadAsync(signed.Id);
        Assert.Equal(LeaseState.Active, active.State);
        return active;
    }

    public async Task<Lease> LoadAsync(Guid leaseId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Leases.AsNoTracking().AsSplitQuery().Include(l => l.Allocations).Include(l => l.Amendments)
            .Include(l => l.Events.OrderBy(e => e.At).ThenBy(e => e.Id)).SingleAsync(l => l.Id == leaseId);
    }

    public async Task<List<Notification>> NotificationsAsync(Guid tenantId, string kind)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Notifications.Where(n => n.TenantId == tenantId && n.Kind == kind).ToListAsync();
    }

    public async Task<int> ReadyGpusAsync(string region, string sku)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Nodes.Where(n => n.RegionId == region && n.SkuId == sku && n.State == Portal.Core.Catalog.NodeState.Ready).SumAsync(n => n.GpuCount);
    }

    public async Task<IReadOnlyList<PoolNode>> PoolNodesAsync()
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IGpuPoolDriver>().ListNodesAsync();
    }

    /// <summary>Every reservation the pool holds, by allocation id (read from the simulator, which names them).</summary>
    public async Task<Dictionary<Guid, (string Node, int Gpus)>> PoolReservationsAsync()
    {
        using var http = PoolHttp();
        using var nodes = JsonDocument.Parse(await http.GetStringAsync("pool/nodes"));
        return nodes.RootElement.EnumerateArray().SelectMany(n => n.GetProperty("reservations").EnumerateArray())
            .ToDictionary(r => Guid.Parse(r.GetProperty("allocationId").GetString()!),
                r => (r.GetProperty("nodeId").GetString()!, r.GetProperty("gpus").GetInt32()));
    }

    /// <summary>The simulator's control API, for injecting faults and node failures.</summary>
    public HttpClient PoolHttp() => new() { BaseAddress = factory.Services.GetRequiredService<PoolEndpoint>().BaseUrl };

    public async Task InjectAsync(string path, object body)
    {
        using var http = PoolHttp();
        (await http.PostAsJsonAsync(path, body)).EnsureSuccessStatusCode();
    }
}

/// <summary>The portal on a fake clock whose pool driver can be made to die halfway through a job, or to fail.</summary>
public sealed class ScriptedPoolLeaseFactory : LeaseFactory
{
    public PoolScript Script { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            var real = services.Last(d => d.ServiceType == typeof(IGpuPoolDriver));
            services.Remove(real);
            services.AddTransient<IGpuPoolDriver>(sp => new ScriptedPoolDriver((IGpuPoolDriver)real.ImplementationFactory!(sp), Script));
        });
    }
}

/// <summary>
/// What the pool does next, counted in calls (1-based) from <see cref="Arm"/>: a call that goes through and then
/// "kills the process" (the job's token is cancelled and the call throws, so nothing after it runs), a call that
/// throws a driver error, or the next reservations refused. (The simulator's own FailReservations fault answers
/// 503, which the driver's resilience handler retries inside one call after real delays: too slow for tests.)
/// </summary>
public sealed class PoolScript
{
    private int _reserves, _releases, _refusals;
    public int? KillAfterReserve { get; private set; }
    public int? KillAfterRelease { get; private set; }
    public int? ThrowOnReserve { get; private set; }
    public CancellationTokenSource Kill { get; private set; } = new();

    /// <summary>Reservations on this node are refused until disarmed.</summary>
    public string? RefuseNode { get; private set; }

    public CancellationToken Arm(int? killAfterReserve = null, int? killAfterRelease = null, int? throwOnReserve = null, int refuse = 0,
        string? refuseNode = null)
    {
        RefuseNode = refuseNode;
        (_reserves, _releases, _refusals) = (0, 0, refuse);
        (KillAfterReserve, KillAfterRelease, ThrowOnReserve) = (killAfterReserve, killAfterRelease, throwOnReserve);
        Kill = new CancellationTokenSource();
        return Kill.Token;
    }

    internal bool TakeRefusal() => Interlocked.Decrement(ref _refusals) >= 0;

    /// <summary>
    /// The next reservation runs this first (another worker finishing a release, say) and is then refused for want of GPUs,
    /// as a pool answers while the node is still being given back.
    /// </summary>
    public Func<Task>? BusyOnce { get => busyOnce; set => busyOnce = value; }

    internal Func<Task>? TakeBusy() => Interlocked.Exchange(ref busyOnce, null);

    private Func<Task>? busyOnce;

    public void Disarm() => Arm();
    internal int NextReserve() => Interlocked.Increment(ref _reserves);
    internal int NextRelease() => Interlocked.Increment(ref _releases);
}

internal sealed class ScriptedPoolDriver(IGpuPoolDriver inner, PoolScript script) : IGpuPoolDriver
{
    public Task<IReadOnlyList<PoolNode>> ListNodesAsync(CancellationToken ct = default) => inner.ListNodesAsync(ct);

    public async Task<ReservationResult> ReserveAsync(string nodeId, Guid allocationId, int gpus, CancellationToken ct = default)
    {
        var call = script.NextReserve();
        if (call == script.ThrowOnReserve) throw new HttpRequestException("The pool's control API is unreachable.");
        if (nodeId == script.RefuseNode || script.TakeRefusal()) return new ReservationResult(ReservationOutcome.Failed, "refused by the test pool");
        if (script.TakeBusy() is { } before)
        {
            await before();
            return new ReservationResult(ReservationOutcome.InsufficientGpus, "the node is still being given back");
        }
        var result = await inner.ReserveAsync(nodeId, allocationId, gpus, CancellationToken.None);
        if (call == script.KillAfterReserve) Die();
        return result;
    }

    public async Task ReleaseAsync(string nodeId, Guid allocationId, CancellationToken ct = default)
    {
        var call = script.NextRelease();
        await inner.ReleaseAsync(nodeId, allocationId, CancellationToken.None);
        if (call == script.KillAfterRelease) Die();
    }

    public Task<bool> SetNodeStateAsync(string nodeId, Portal.Core.Catalog.NodeState state, CancellationToken ct = default) =>
        inner.SetNodeStateAsync(nodeId, state, ct);
    public Uri ResolveModelBaseUrl(string deploymentBaseUrl) => inner.ResolveModelBaseUrl(deploymentBaseUrl);
    public Task<PoolSubmitResult> SubmitTaskAsync(PoolTaskSpec spec, CancellationToken ct = default) => inner.SubmitTaskAsync(spec, ct);
    public Task<PoolTaskStatus?> GetTaskAsync(string taskId, CancellationToken ct = default) => inner.GetTaskAsync(taskId, ct);
    public Task<IReadOnlyList<PoolTaskStatus>> ListTasksAsync(CancellationToken ct = default) => inner.ListTasksAsync(ct);
    public Task<bool> CancelTaskAsync(string taskId, TimeSpan grace, CancellationToken ct = default) => inner.CancelTaskAsync(taskId, grace, ct);
    public Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct = default) =>
        inner.ReadLogAsync(taskId, stream, offset, maxBytes, ct);
    public Task<IReadOnlyList<PoolGpuSample>> ReadMetricsAsync(string taskId, DateTime? after, CancellationToken ct = default) =>
        inner.ReadMetricsAsync(taskId, after, ct);

    private void Die()
    {
        script.Kill.Cancel();
        throw new OperationCanceledException("Killed halfway (test).", script.Kill.Token);
    }
}
