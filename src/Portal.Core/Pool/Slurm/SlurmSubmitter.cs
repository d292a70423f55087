using System.Globalization;

namespace Portal.Core.Pool.Slurm;

/// <summary>
/// sbatch for one task: into the lease's reservation, under the tenant's account, on the hold's node, with a time that
/// ends no later than the lease, and — when the portal runs as root — as <see cref="SlurmOptions.RunAsUser"/>, so a
/// tenant's script never runs as root. A crash between sbatch and recording its job id is recovered by the job's name.
/// </summary>
public sealed class SlurmSubmitter(SlurmCommands commands, SlurmJobQueries queries, SlurmReservations reservations, SlurmNodes nodes,
    SlurmOptions options, TimeProvider time)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<(PoolSubmitResult Result, string? JobId)> SubmitAsync(PoolTaskSpec spec, SlurmJobFolder folder, CancellationToken ct)
    {
        if (spec.LeaseId == Guid.Empty) return (new(PoolSubmitOutcome.NoReservation, Message: "A Slurm task needs its lease."), null);
        if (string.IsNullOrEmpty(spec.Account)) return (new(PoolSubmitOutcome.Failed, Message: "A Slurm task needs its tenant's account."), null);
        if (spec.Environment.Keys.FirstOrDefault(k => !SlurmJobFolder.IsValidVariable(k)) is { } bad)
            return (new(PoolSubmitOutcome.Failed, Message: $"{bad} is not a valid environment variable name."), null);
        if (await RecoverJobIdAsync(folder, ct) is { } recovered) return (new(PoolSubmitOutcome.Submitted), recovered);

        var name = SlurmReservation.NameOf(spec.LeaseId);
        // An unreachable cluster throws (SlurmUnreachableException): the portal submits again later, as when the simulator
        // does not answer; Failed would end the tenant's job for good.
        var reservation = await reservations.FindAsync(name, ct);
        var node = await nodes.FindAsync(spec.NodeId, ct);
        if (reservation is null) return (new(PoolSubmitOutcome.NoReservation, Message: $"The Slurm cluster has no reservation {name} for the lease."), null);
        if (!reservation.Nodes.Contains(spec.NodeId))
            return (new(PoolSubmitOutcome.NoReservation, Message: $"Node {spec.NodeId} is not in the lease's reservation {name}."), null);
        // Slurm would queue a job for a drained node until it resumes; the portal's pools refuse it instead.
        if (node is null || node.PortalState != Catalog.NodeState.Ready)
            return (new(PoolSubmitOutcome.NodeNotReady, Message: $"Node {spec.NodeId} is {node?.State.ToLowerInvariant() ?? "unknown"} on Slurm."), null);
        if (spec.Gpus > node.Gpus) return (new(PoolSubmitOutcome.InsufficientGpus, Message: $"Node {node.Name} has {node.Gpus} GPUs."), null);

        folder.Write(spec, spec.Account);
        string[] runAs = [];
        if (Environment.IsPrivilegedProcess)
        {
            var group = await SlurmCommands.RunProcessAsync("id", ["-g", options.RunAsUser], ct, SlurmCommands.DefaultTimeout);
            if (!group.Succeeded) return (new(PoolSubmitOutcome.Failed, Message: $"The run-as user {options.RunAsUser} does not exist on this host."), null);
            var owner = $"{options.RunAsUser}:{group.Stdout.Trim()}";
            var chown = await SlurmCommands.RunProcessAsync("chown", ["-R", owner, folder.Work, folder.Log], ct, SlurmCommands.DefaultTimeout);
            if (!chown.Succeeded)
                return (new(PoolSubmitOutcome.Failed, Message: $"Could not hand the job folder to {options.RunAsUser}: {chown.Message}"), null);
            runAs = [$"--uid={options.RunAsUser}", $"--gid={group.Stdout.Trim()}"];
        }
        string[] args =
        [
            "--parsable", "-J", spec.TaskId, "-A", spec.Account, $"--reservation={name}", "-p", options.Partition, "-w", spec.NodeId,
            $"--gres=gpu:{spec.Gpus}", $"--time={Minutes(spec, reservation)}", "--no-requeue", "-D", folder.Work, "-o", folder.Stdout,
            "-e", folder.Stderr, "--export=NONE", .. runAs, folder.RunScript,
        ];
        folder.MarkSubmitting();
        var result = await commands.RunAsync("sbatch", args, ct);
        if (!result.Succeeded)
        {
            // A timed-out sbatch may still have queued the job: the submitting mark stays, the next look finds it by name.
            if (!result.TimedOut) folder.ClearSubmitting();
            if (result.Unreachable) throw new SlurmUnreachableException($"The Slurm cluster is unreachable: {result.Message}");
            return (new(PoolSubmitOutcome.Failed, Message: $"Slurm refused the job: {result.Message}"), null);
        }
        var jobId = result.Stdout.Trim().Split(';')[0];
        folder.RecordJobId(jobId);
        return (new(PoolSubmitOutcome.Submitted), jobId);
    }

    /// <summary>After a crash between sbatch and recording the job id: the job named after the task in its folder.</summary>
    public async Task<string?> RecoverJobIdAsync(SlurmJobFolder folder, CancellationToken ct)
    {
        if (folder.ReadJobId() is { } known) return known;
        if (!File.Exists(folder.SubmittingFile)) return null;
        var taskId = Path.GetFileName(folder.Dir);
        var job = (await queries.ListAsync(ct)).Where(j => j.Name == taskId && j.WorkDir == folder.Work)
            .MaxBy(j => long.Parse(j.Id, CultureInfo.InvariantCulture));
        if (job is null) return null;
        folder.RecordJobId(job.Id);
        return job.Id;
    }

    /// <summary>
    /// Slurm always needs a time (without one a job never starts before a later reservation): the task's limit rounded up
    /// to minutes, but no later than the lease's end or the reservation's (rounded down), and at least a minute.
    /// </summary>
    private int Minutes(PoolTaskSpec spec, SlurmReservation reservation)
    {
        var limits = new List<double>();
        if (spec.TimeLimitSeconds > 0) limits.Add(Math.Ceiling(spec.TimeLimitSeconds / 60.0));
        if (spec.NotAfter is { } notAfter) limits.Add(Math.Floor((notAfter - Now).TotalMinutes));
        if (reservation.End is { } end) limits.Add(Math.Floor((end - Now).TotalMinutes));
        return limits.Count == 0 ? 1 : (int)Math.Max(1, limits.Min());
    }
}
