using Microsoft.Extensions.Logging;

namespace Portal.Core.Pool.Slurm;

/// <summary>
/// Tasks as Slurm batch jobs: each in its folder, submitted into the lease's reservation under the tenant's account,
/// followed through <c>scontrol show job -d</c>, and remembered by the folder once Slurm forgets them.
/// </summary>
public sealed class SlurmJobs(SlurmCommands commands, SlurmJobQueries queries, SlurmReservations reservations, SlurmNodes nodes,
    SlurmOptions options, TimeProvider time, ILogger logger)
{
    private readonly SlurmSubmitter submitter = new(commands, queries, reservations, nodes, options, time);

    private SlurmJobFolder? FolderOf(string taskId) =>
        options.JobRoot is { Length: > 0 } root && SlurmJobFolder.IsValidTaskId(taskId) ? new SlurmJobFolder(root, taskId) : null;

    public async Task<PoolSubmitResult> SubmitAsync(PoolTaskSpec spec, CancellationToken ct)
    {
        if (FolderOf(spec.TaskId) is not { } folder)
            return new(PoolSubmitOutcome.Failed, Message: options.JobRoot is { Length: > 0 }
                ? $"Task id {spec.TaskId} is not a plain name." : "The Slurm region has no job folder (Pool:Regions:{id}:Slurm:JobRoot).");
        using var held = await reservations.Locks.TakeAsync("task:" + spec.TaskId, ct);
        if (folder.ReadRecord() is not null && await GetAsync(spec.TaskId, ct) is { } existing) return new(PoolSubmitOutcome.Submitted, existing);
        var (result, jobId) = await submitter.SubmitAsync(spec, folder, ct);
        if (jobId is null) return result;
        logger.LogInformation("Task {Task} is Slurm job {Job} in reservation {Reservation}", spec.TaskId, jobId, SlurmReservation.NameOf(spec.LeaseId));
        return new(PoolSubmitOutcome.Submitted, await GetAsync(spec.TaskId, ct));
    }

    public async Task<PoolTaskStatus?> GetAsync(string taskId, CancellationToken ct)
    {
        if (FolderOf(taskId) is not { } folder || folder.ReadRecord() is not { } record) return null;
        if (folder.ReadFinal() is { } final) return final with { StdoutBytes = folder.SizeOf(folder.Stdout), StderrBytes = folder.SizeOf(folder.Stderr) };
        var jobId = folder.ReadJobId() ?? await submitter.RecoverJobIdAsync(folder, ct);
        if (jobId is null) return null;
        var job = await queries.FindAsync(jobId, ct);
        return job is not null && job.Name == taskId
            ? await FollowAsync(job, record, folder, ct)
            : Remember(SlurmTaskStatuses.Forgotten(record, folder), folder);
    }

    /// <summary>Every task Slurm still knows in this region's partition (a forgotten one is asked for by id).</summary>
    public async Task<IReadOnlyList<PoolTaskStatus>> ListAsync(CancellationToken ct)
    {
        var statuses = new List<PoolTaskStatus>();
        foreach (var job in await queries.ListAsync(ct))
        {
            if (job.Partition != options.Partition || FolderOf(job.Name) is not { } folder || folder.ReadRecord() is not { } record) continue;
            if (folder.ReadJobId() != job.Id) continue; // an earlier, refused or foreign job with the same name
            statuses.Add(folder.ReadFinal() ?? await FollowAsync(job, record, folder, ct));
        }
        return statuses;
    }

    /// <summary>
    /// scancel: Slurm sends SIGTERM to the job's processes and SIGKILL after the cluster's KillWait (30 s by default),
    /// so the grace is the cluster's; a zero grace also sends SIGKILL at once.
    /// </summary>
    public async Task<bool> CancelAsync(string taskId, TimeSpan grace, CancellationToken ct)
    {
        var status = await GetAsync(taskId, ct);
        if (status is null) return false;
        if (status.IsFinal) return true;
        var jobId = FolderOf(taskId)!.ReadJobId();
        if (jobId is null) return false;
        var result = await commands.RunAsync("scancel", [jobId], ct);
        if (!result.Succeeded && result.Unreachable) throw SlurmNodes.Failure(result);
        if (grace <= TimeSpan.Zero) await commands.RunAsync("scancel", ["-s", "KILL", "-f", jobId], ct);
        return true;
    }

    /// <summary>
    /// Deletes a task's folder (its script, inputs, working directory and logs) once it ended; idempotent. False while Slurm
    /// still runs it (nothing is deleted). A folder with no record (a submit that died before writing one) is deleted too.
    /// </summary>
    public async Task<bool> ForgetAsync(string taskId, CancellationToken ct)
    {
        if (FolderOf(taskId) is not { } folder) return true; // not a name this driver makes a folder for: nothing kept
        using var held = await reservations.Locks.TakeAsync("task:" + taskId, ct); // not while a submit of it runs
        if (!Directory.Exists(folder.Dir)) return true;
        if (folder.ReadRecord() is not null && await GetAsync(taskId, ct) is { IsFinal: false }) return false;
        // Root deletes what the tenant's user wrote in work/ and log/; a symbolic link there is removed, never followed.
        Directory.Delete(folder.Dir, recursive: true);
        return true;
    }

    public async Task<PoolLogChunk?> ReadLogAsync(string taskId, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct)
    {
        if (FolderOf(taskId) is not { } folder || folder.ReadRecord() is null) return null;
        var (data, size) = folder.ReadLog(stream, Math.Max(0, offset), maxBytes);
        var atEnd = offset + data.Length >= size;
        // Final first, then the size again: bytes written just before the end must not be missed.
        var complete = atEnd && await GetAsync(taskId, ct) is { IsFinal: true } && offset + data.Length >= folder.ReadLog(stream, 0, 0).Size;
        return new PoolLogChunk(offset, data, complete);
    }

    private async Task<PoolTaskStatus> FollowAsync(SlurmJob job, SlurmTaskRecord record, SlurmJobFolder folder, CancellationToken ct)
    {
        var status = SlurmTaskStatuses.From(job, record, folder);
        if (!status.IsFinal) return status;
        // A job held because its reservation was deleted would wait for ever: it is over for the portal.
        if (job.State == "RESV_DEL_HOLD") await commands.RunAsync("scancel", [job.Id], ct);
        return Remember(status, folder);
    }

    private static PoolTaskStatus Remember(PoolTaskStatus status, SlurmJobFolder folder)
    {
        folder.RecordFinal(status);
        return status;
    }
}
