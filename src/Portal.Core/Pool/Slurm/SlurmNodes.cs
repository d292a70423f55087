using Portal.Core.Catalog;

namespace Portal.Core.Pool.Slurm;

/// <summary>A node of the cluster's partition as <c>scontrol show node -o</c> tells it.</summary>
public sealed record SlurmNode(string Name, int Gpus, string State, string? Reason, NodeState PortalState);

/// <summary>
/// The partition's nodes and their states. Slurm's states map to the portal's: idle/allocated/mixed → Ready; drained
/// or draining → Maintenance when the portal drained it for maintenance (its Reason starts "portal: maintenance"),
/// Draining when the portal drained it ("portal: drain"); drained by anyone else (an admin, Slurm's own health checks),
/// down and fail → Failed (the node-failure path): Slurm starts no job on a drained node, not even in its lease's
/// reservation, so a lease on it would pay for a node that runs nothing. NOT_RESPONDING alone is not a failure: checked on
/// 22.05, every RESUME leaves the node IDLE+NOT_RESPONDING for about a second, and Slurm itself marks a node that
/// stays silent DOWN after SlurmdTimeout, which then maps to Failed.
/// </summary>
public sealed class SlurmNodes(SlurmCommands commands, SlurmOptions options)
{
    public const string MaintenanceReason = "portal: maintenance";
    public const string DrainReason = "portal: drain";
    public const string FailedReason = "portal: failed";

    public async Task<IReadOnlyList<SlurmNode>> ListAsync(CancellationToken ct)
    {
        var result = await commands.RunAsync("scontrol", ["show", "node", "-o"], ct);
        if (!result.Succeeded) throw Failure(result);
        return [.. SlurmText.ParseRecords(result.Stdout)
            .Where(r => r.TryGetValue("NodeName", out _) && InPartition(r))
            .Select(r => ToNode(r))];
    }

    public async Task<SlurmNode?> FindAsync(string name, CancellationToken ct) =>
        (await ListAsync(ct)).FirstOrDefault(n => n.Name == name);

    /// <summary>Support's decision onto Slurm: drain (with the portal's reason), resume, or down.</summary>
    public async Task<bool> SetStateAsync(string name, NodeState state, CancellationToken ct)
    {
        var node = await FindAsync(name, ct);
        if (node is null) return false;
        if (node.PortalState == state && (state != NodeState.Maintenance || node.Reason?.StartsWith(MaintenanceReason) == true)) return true;
        // RESUME is refused for a node that is neither drained nor down ("Invalid node state specified").
        if (state == NodeState.Ready && !HeldBack(node.State)) return true;
        string[] update = state switch
        {
            NodeState.Ready => ["State=RESUME"],
            NodeState.Maintenance => ["State=DRAIN", $"Reason={MaintenanceReason}"],
            NodeState.Draining => ["State=DRAIN", $"Reason={DrainReason}"],
            _ => ["State=DOWN", $"Reason={FailedReason}"],
        };
        var result = await commands.RunAsync("scontrol", ["update", $"NodeName={name}", .. update], ct);
        if (!result.Succeeded) throw Failure(result);
        return true;
    }

    private bool InPartition(Dictionary<string, string> record) =>
        record.TryGetValue("Partitions", out var partitions) && partitions.Split(',').Contains(options.Partition);

    public static SlurmNode ToNode(Dictionary<string, string> record)
    {
        var state = record.GetValueOrDefault("State", "UNKNOWN");
        var reason = record.GetValueOrDefault("Reason");
        return new SlurmNode(record["NodeName"], SlurmText.GpuCount(record.GetValueOrDefault("Gres")), state, reason, Map(state, reason));
    }

    /// <summary>Slurm's state (<c>IDLE</c>, <c>MIXED+DRAIN</c>, <c>DOWN+NOT_RESPONDING</c>, ...) as the portal's.</summary>
    public static NodeState Map(string state, string? reason)
    {
        // sinfo-style suffixes (*, ~, # ...) may follow a state name.
        var set = state.ToUpperInvariant().Split('+', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.TrimEnd('*', '~', '#', '!', '%', '$', '@', '^', '-')).ToHashSet();
        if (set.Overlaps(["DOWN", "FAIL", "FAILING", "INVAL", "INVALID", "ERROR"])) return NodeState.Failed;
        if (set.Overlaps(["DRAIN", "DRAINING", "DRAINED"]))
            return reason?.StartsWith(MaintenanceReason, StringComparison.Ordinal) == true ? NodeState.Maintenance
                : reason?.StartsWith(DrainReason, StringComparison.Ordinal) == true ? NodeState.Draining
                : NodeState.Failed;
        // UNKNOWN (a controller that just started), FUTURE and powered-down nodes take no work yet, but have not failed.
        if (set.Overlaps(["UNKNOWN", "FUTURE", "POWERED_DOWN", "POWER_DOWN", "POWERING_DOWN", "POWERING_UP", "REBOOT_REQUESTED", "REBOOT_ISSUED"]))
            return NodeState.Draining;
        return NodeState.Ready;
    }

    private static bool HeldBack(string state) =>
        state.ToUpperInvariant().Split('+').Any(f => f is "DRAIN" or "DRAINING" or "DRAINED" or "DOWN" or "FAIL" or "FAILING");

    public static Exception Failure(SlurmCommandResult result) => result.Unreachable
        ? new SlurmUnreachableException($"The Slurm cluster is unreachable: {result.Message}")
        : new InvalidOperationException($"Slurm refused: {result.Message}");
}
