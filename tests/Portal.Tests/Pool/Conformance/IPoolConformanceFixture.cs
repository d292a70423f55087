using Portal.Core.Pool;

namespace Portal.Tests.Pool.Conformance;

/// <summary>The pool's own record of a lease's hold (Slurm: its reservation), for tests that check what the pool did.</summary>
public sealed record PoolHeldView(IReadOnlyList<string> Nodes, DateTime? End, string Account);

/// <summary>
/// What the conformance suite needs from a pool besides <see cref="IGpuPoolDriver"/>: a driver, a free node, and where
/// the pools truly differ, which way this one goes.
/// </summary>
public interface IPoolConformanceFixture
{
    IGpuPoolDriver Pool { get; }

    /// <summary>Slurm 22.05 reserves whole nodes; the simulator reserves GPUs. The suite holds whole nodes on both.</summary>
    bool WholeNodesOnly { get; }

    /// <summary>Whether the pool samples GPU metrics per task (Slurm 22.05 has no per-job GPU utilisation).</summary>
    bool SamplesGpuMetrics { get; }

    /// <summary>How long a short task may take to end (Slurm schedules and enforces time limits on its own clock).</summary>
    TimeSpan TaskWait { get; }

    /// <summary>A Ready node that nothing holds or runs on, with its GPU count; each call gives another when it can.</summary>
    Task<(string NodeId, int Gpus)> FreeNodeAsync();

    /// <summary>The same pool's driver pointed where nothing answers.</summary>
    IGpuPoolDriver Unreachable();

    /// <summary>The pool's own record of the lease's hold, or null when the pool keeps none it can show (the simulator).</summary>
    Task<PoolHeldView?> HeldAsync(Guid leaseId);
}
