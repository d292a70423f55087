namespace Portal.Core.Pool.Slurm;

/// <summary>
/// A lease's hold as a Slurm reservation <c>lease-&lt;id&gt;</c>: whole nodes (22.05 cannot reserve GPUs), limited to the
/// tenant's account, from max(now, start) to the lease's end. More nodes of the lease join it; extending moves its end
/// (never earlier); releasing the last node cancels its jobs and deletes it. Every call is idempotent.
/// </summary>
public sealed class SlurmReservations(SlurmCommands commands, SlurmNodes nodes, SlurmJobQueries jobs, TimeProvider time)
{
    public const string WholeNodesMessage = "Slurm 22.05 reserves whole nodes: this region leases whole nodes";

    /// <summary>How long a release waits for a reservation's cancelled jobs to go (Slurm's KillWait is 30 s by default).</summary>
    public TimeSpan JobsGoneWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The driver's locks by lease and by task (the jobs take theirs here too).</summary>
    public SlurmLocks Locks { get; } = new();

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<SlurmReservation?> FindAsync(string name, CancellationToken ct)
    {
        var result = await commands.RunAsync("scontrol", ["show", "res", name, "-o"], ct);
        if (result.Succeeded) return SlurmReservation.ParseAll(result.Stdout).FirstOrDefault(r => r.Name == name);
        if (result.Message.Contains("not found", StringComparison.OrdinalIgnoreCase)) return null;
        throw SlurmNodes.Failure(result);
    }

    public async Task<IReadOnlyList<SlurmReservation>> ListAsync(CancellationToken ct)
    {
        var result = await commands.RunAsync("scontrol", ["show", "res", "-o"], ct);
        if (!result.Succeeded) throw SlurmNodes.Failure(result);
        return SlurmReservation.ParseAll(result.Stdout);
    }

    public async Task<ReservationResult> ReserveAsync(PoolHold hold, CancellationToken ct)
    {
        var name = SlurmReservation.NameOf(hold.LeaseId);
        using var held = await Locks.TakeAsync(name, ct);
        try
        {
            var node = await nodes.FindAsync(hold.NodeId, ct);
            if (node is null) return new(ReservationOutcome.Failed, $"The Slurm cluster has no node {hold.NodeId} in its partition.");
            if (hold.Gpus > node.Gpus) return new(ReservationOutcome.InsufficientGpus, $"Node {node.Name} has {node.Gpus} GPUs.");
            if (hold.Gpus < node.Gpus) return new(ReservationOutcome.Conflict, WholeNodesMessage);
            var existing = await FindAsync(name, ct);
            if (existing is not null && existing.Accounts != hold.Account)
                return new(ReservationOutcome.Conflict, $"Reservation {name} belongs to account {existing.Accounts}, not {hold.Account}.");
            if (existing?.Nodes.Contains(node.Name) == true) return new(ReservationOutcome.Reserved);
            if (node.PortalState != Catalog.NodeState.Ready)
                return new(ReservationOutcome.NodeNotReady, $"Node {node.Name} is {node.State.ToLowerInvariant()} on Slurm.");
            if (hold.End <= Now) return new(ReservationOutcome.Failed, "The hold's window has already ended.");
            var result = existing is null
                ? await commands.RunAsync("scontrol", ["create", "reservation", $"ReservationName={name}", $"StartTime={StartOf(hold)}",
                    $"EndTime={EndOf(hold.End)}", $"Nodes={node.Name}", $"Accounts={hold.Account}"], ct)
                : await commands.RunAsync("scontrol", ["update", $"ReservationName={name}", $"Nodes={string.Join(',', [.. existing.Nodes, node.Name])}"], ct);
            return Outcome(result);
        }
        catch (SlurmUnreachableException e)
        {
            return new(ReservationOutcome.Failed, e.Message);
        }
    }

    public async Task<ReservationResult> ExtendAsync(PoolHold hold, CancellationToken ct)
    {
        var name = SlurmReservation.NameOf(hold.LeaseId);
        using var held = await Locks.TakeAsync(name, ct);
        try
        {
            var existing = await FindAsync(name, ct);
            if (existing is null) return new(ReservationOutcome.Failed, $"The Slurm cluster has no reservation {name} to extend.");
            if (existing.End is { } end && end >= hold.End.AddSeconds(-1)) return new(ReservationOutcome.Reserved);
            return Outcome(await commands.RunAsync("scontrol", ["update", $"ReservationName={name}", $"EndTime={EndOf(hold.End)}"], ct));
        }
        catch (SlurmUnreachableException e)
        {
            return new(ReservationOutcome.Failed, e.Message);
        }
    }

    /// <summary>The node leaves the reservation (its jobs of this lease on it cancelled); the last node deletes it.</summary>
    public async Task ReleaseAsync(PoolHold hold, CancellationToken ct)
    {
        var name = SlurmReservation.NameOf(hold.LeaseId);
        using var held = await Locks.TakeAsync(name, ct);
        var existing = await FindAsync(name, ct);
        if (existing is null || !existing.Nodes.Contains(hold.NodeId)) return;
        var others = existing.Nodes.Where(n => n != hold.NodeId).ToList();
        // A reservation with jobs cannot be deleted ("Requested reservation is in use"): cancel them, wait for them to go.
        string[] cancel = others.Count > 0 ? ["-R", name, "-w", hold.NodeId] : ["-R", name];
        var cancelled = await commands.RunAsync("scancel", cancel, ct);
        if (!cancelled.Succeeded && cancelled.Unreachable) throw SlurmNodes.Failure(cancelled);
        await WaitForJobsGoneAsync(name, others.Count > 0 ? [hold.NodeId] : existing.Nodes, others.Count == 0, ct);
        for (var deadline = Now + JobsGoneWait; ; await Task.Delay(TimeSpan.FromSeconds(1), time, ct))
        {
            var result = others.Count > 0
                ? await commands.RunAsync("scontrol", ["update", $"ReservationName={name}", $"Nodes={string.Join(',', others)}"], ct)
                : await commands.RunAsync("scontrol", ["delete", $"ReservationName={name}"], ct);
            if (result.Succeeded || result.Message.Contains("invalid", StringComparison.OrdinalIgnoreCase) && await FindAsync(name, ct) is null) return;
            if (result.Unreachable || Now >= deadline) throw SlurmNodes.Failure(result);
        }
    }

    /// <summary>Until the reservation's jobs (on the node, or all) are gone and its nodes have finished their epilog (COMPLETING).</summary>
    private async Task WaitForJobsGoneAsync(string reservation, IReadOnlyList<string> releasing, bool all, CancellationToken ct)
    {
        for (var deadline = Now + JobsGoneWait; Now < deadline; await Task.Delay(TimeSpan.FromMilliseconds(500), time, ct))
        {
            var open = (await jobs.ListAsync(ct)).Where(j => j.Reservation == reservation && !j.IsGone && (all || releasing.Contains(j.Node ?? "")));
            if (open.Any()) continue;
            var completing = (await nodes.ListAsync(ct)).Where(n => releasing.Contains(n.Name) && n.State.Contains("COMPLETING", StringComparison.Ordinal));
            if (!completing.Any()) return;
        }
    }

    private static ReservationResult Outcome(SlurmCommandResult result) =>
        result.Succeeded ? new(ReservationOutcome.Reserved)
        : result.Unreachable ? new(ReservationOutcome.Failed, $"The Slurm cluster is unreachable: {result.Message}")
        : new(ReservationOutcome.InsufficientGpus, result.Message);

    private string StartOf(PoolHold hold) => hold.Start <= Now ? "now" : SlurmText.FormatTime(hold.Start);

    /// <summary>Slurm keeps whole seconds: the end rounds up so the reservation covers the lease's last moment.</summary>
    private static string EndOf(DateTime end) =>
        SlurmText.FormatTime(end.Ticks % TimeSpan.TicksPerSecond == 0 ? end : end.AddTicks(TimeSpan.TicksPerSecond - end.Ticks % TimeSpan.TicksPerSecond));
}
