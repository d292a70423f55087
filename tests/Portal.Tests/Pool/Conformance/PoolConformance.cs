using Portal.Core.Pool;

namespace Portal.Tests.Pool.Conformance;

/// <summary>Helpers of the conformance suite: holds with fresh ids, task specs for a hold, waiting for a task to end.</summary>
public abstract class PoolConformance(IPoolConformanceFixture fixture)
{
    protected IPoolConformanceFixture Fixture => fixture;
    protected IGpuPoolDriver Pool => fixture.Pool;

    /// <summary>A whole-node hold of a new lease for a new tenant, from now for an hour.</summary>
    protected static PoolHold WholeNode(string nodeId, int gpus, Guid? leaseId = null, string? account = null) =>
        new(leaseId ?? Guid.NewGuid(), Guid.NewGuid(), nodeId, gpus, DateTime.UtcNow, DateTime.UtcNow.AddHours(1),
            account ?? PoolAccount.For(Guid.NewGuid()));

    protected async Task<PoolHold> HoldFreeNodeAsync()
    {
        var (node, gpus) = await fixture.FreeNodeAsync();
        var hold = WholeNode(node, gpus);
        var result = await Pool.ReserveAsync(hold);
        Assert.True(result.Succeeded, $"Reserving {node}: {result.Outcome} {result.Message}");
        return hold;
    }

    protected static PoolTaskSpec Spec(PoolHold hold, string script, int gpus = 1, int timeLimitSeconds = 0,
        IReadOnlyDictionary<string, string>? environment = null) =>
        new("conf-" + Guid.NewGuid().ToString("N")[..16], hold.NodeId, hold.AllocationId, gpus, script,
            environment ?? new Dictionary<string, string>(), [], timeLimitSeconds, null, hold.LeaseId, hold.Account, hold.End);

    protected async Task<PoolTaskStatus> WaitFinalAsync(string taskId)
    {
        for (var deadline = DateTime.UtcNow + fixture.TaskWait; DateTime.UtcNow < deadline; await Task.Delay(250))
            if (await Pool.GetTaskAsync(taskId) is { IsFinal: true } task) return task;
        throw new TimeoutException($"Task {taskId} did not end within {fixture.TaskWait}.");
    }

    protected async Task<PoolTaskStatus> WaitRunningAsync(string taskId, Func<PoolTaskStatus, bool>? also = null)
    {
        for (var deadline = DateTime.UtcNow + fixture.TaskWait; DateTime.UtcNow < deadline; await Task.Delay(250))
            if (await Pool.GetTaskAsync(taskId) is { State: PoolTaskState.Running } task && (also is null || also(task))) return task;
        throw new TimeoutException($"Task {taskId} did not run within {fixture.TaskWait}.");
    }

    /// <summary>Releases a test's holds even when it failed (a Slurm reservation left behind would block the next run).</summary>
    protected async Task ReleaseAllAsync(params PoolHold[] holds)
    {
        foreach (var hold in holds)
            try { await Pool.ReleaseAsync(hold); }
            catch (Exception) { /* the assertion that failed matters more; the next run's FreeNodeAsync skips held nodes */ }
    }
}
