using Portal.Core.Catalog;

namespace Portal.Core.Pool.Slurm;

/// <summary>
/// Jobs lost with their node. When the portal takes a failed node (down, or drained outside the portal) out of a lease's
/// reservation, it cancels the lease's jobs there, and Slurm calls them CANCELLED; for the tenant they ended because the
/// node failed (NodeFailed, retried elsewhere in the lease when the job allows). A mark in each job's folder, written
/// before the cancel, says so. The folder's top belongs to the portal: the tenant's job cannot write the mark itself.
/// </summary>
public sealed class SlurmLostJobs(SlurmJobQueries queries, SlurmNodes nodes, SlurmOptions options)
{
    /// <summary>Marks the lease's unfinished jobs on the hold's node, when Slurm says the node has failed.</summary>
    public async Task MarkAsync(PoolHold hold, CancellationToken ct)
    {
        if (options.JobRoot is not { Length: > 0 } root) return;
        var node = await nodes.FindAsync(hold.NodeId, ct);
        if (node is null || node.PortalState != NodeState.Failed) return;
        var reservation = SlurmReservation.NameOf(hold.LeaseId);
        var why = $"Node {node.Name} failed: Slurm shows it {node.State.ToLowerInvariant()}" + (node.Reason is { Length: > 0 } r ? $" ({r})" : "");
        foreach (var job in await queries.ListAsync(ct))
        {
            if (job.Reservation != reservation || job.IsGone || !SlurmJobFolder.IsValidTaskId(job.Name)) continue;
            var folder = new SlurmJobFolder(root, job.Name);
            // A pending job has no node yet: the node the portal asked for (-w) is in its record.
            if (folder.ReadJobId() != job.Id || folder.ReadRecord() is not { } record || record.NodeId != node.Name) continue;
            File.WriteAllText(MarkOf(folder), why);
        }
    }

    /// <summary>Why the task's node was lost under it; null when it was not.</summary>
    public static string? Read(SlurmJobFolder folder) => File.Exists(MarkOf(folder)) ? File.ReadAllText(MarkOf(folder)).Trim() : null;

    private static string MarkOf(SlurmJobFolder folder) => Path.Combine(folder.Dir, "node-lost");
}
