using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Starts what fits in an Active lease: runs the placement and hands each chosen task to the pool. The task is
/// recorded Starting (with its pool id, node and reservation) BEFORE the submit, so a crash after the submit
/// finds it Starting and submits the same id again (the pool's submit is idempotent by id): never lost, never doubled.
/// Two processes dispatching at once race on the task's <see cref="ScriptJobTask.Version"/>: one of them wins.
/// </summary>
public sealed class ScriptJobDispatcher(IDbContextFactory<PortalDbContext> dbFactory, IGpuPoolDriver pool, ScriptJobTaskSpecs specs,
    PortalChanges changes, TimeProvider time, IOptions<ScriptJobOptions> options, ILogger<ScriptJobDispatcher> logger)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Starts the lease's queued tasks that fit now, in line; returns how many the pool accepted.</summary>
    public async Task<int> DispatchAsync(Guid leaseId, CancellationToken ct = default)
    {
        List<TaskPlacement> placements;
        Lease lease;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.ActAsSupport(); // the system's pass over every tenant's leases; it shows nothing to anyone
            if (await ScriptJobLine.LoadAsync(db, leaseId, Now, ct) is not { } line || !AcceptsTasks(line.Lease, Now)) return 0;
            (lease, placements) = (line.Lease, ScriptJobPlacement.Place(line.Reservations, line.Running, line.Queued));
        }
        var started = 0;
        foreach (var p in placements)
        {
            var task = await RecordStartingAsync(p, ct);
            if (task is null) break; // another pass took it: its placement is stale, so is ours; the next pass decides again
            var outcome = await SubmitAsync(task.Value.Task, task.Value.Job, lease, ct);
            if (outcome == SubmitOutcome.Accepted) started++;
            if (outcome == SubmitOutcome.Waits) break; // strict line: what the head could not take, nobody behind it takes
        }
        return started;
    }

    /// <summary>New tasks start only in an Active lease, and not inside the grace before its end.</summary>
    public bool AcceptsTasks(Lease lease, DateTime now) =>
        lease.State == LeaseState.Active && now < lease.End.AddMinutes(-options.Value.LeaseEndGraceMinutes);

    public enum SubmitOutcome { Accepted, Waits, Failed, Unanswered }

    /// <summary>
    /// Submits a task recorded Starting (again, with the same id, after a crash). Refused for want of GPUs or a
    /// reservation: back in line (not an error). The pool did not answer: left Starting for the sweep to submit again.
    /// </summary>
    public async Task<SubmitOutcome> SubmitAsync(ScriptJobTask task, ScriptJob job, Lease lease, CancellationToken ct)
    {
        PoolSubmitResult result;
        try
        {
            var spec = await specs.BuildAsync(job, task, task.NodeId!, task.ReservationId!.Value, lease.End, Now, ct);
            result = await pool.SubmitTaskAsync(spec, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException
                                  or System.Security.Cryptography.CryptographicException)
        {
            // Its files or secrets cannot be read: it never will run; say so instead of trying forever.
            result = new PoolSubmitResult(PoolSubmitOutcome.Failed, Message: "its input files or secrets could not be read");
            logger.LogError(e, "Preparing task {Task} of job {Job} failed", task.Id, job.Id);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Submitting task {PoolTask} to the pool failed; the sweep submits it again", task.PoolTaskId);
            return SubmitOutcome.Unanswered;
        }
        var outcome = result.Outcome switch
        {
            PoolSubmitOutcome.Submitted => SubmitOutcome.Accepted,
            PoolSubmitOutcome.Failed => SubmitOutcome.Failed,
            _ => SubmitOutcome.Waits,
        };
        await RecordSubmitAsync(task.Id, result, outcome, lease.End, ct);
        return outcome;
    }

    private async Task<(ScriptJobTask Task, ScriptJob Job)?> RecordStartingAsync(TaskPlacement p, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ActAsSupport();
        var task = await db.ScriptJobTasks.FirstOrDefaultAsync(t => t.Id == p.TaskId, ct);
        var job = await db.ScriptJobs.FirstOrDefaultAsync(j => j.Id == p.JobId, ct);
        if (task?.State != Queued || job is null || ScriptJobStateMachine.IsFinal(job.State) || job.CancelledByUserId is not null) return null;
        var now = Now;
        ScriptJobStateMachine.Move(task, Starting, $"Starting on node {p.Reservation.NodeId}", now);
        task.PoolTaskId = ScriptJobTaskSpecs.PoolTaskId(task);
        (task.NodeId, task.ReservationId, task.GpuIndexes, task.Gpus) = (p.Reservation.NodeId, p.Reservation.Id, null, job.GpusPerTask);
        task.Version++;
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateConcurrencyException) { return null; }
        changes.Publish(new PortalChange(job.TenantId, PortalChange.Job, job.Id));
        return (task, job);
    }

    private async Task RecordSubmitAsync(Guid taskId, PoolSubmitResult result, SubmitOutcome outcome, DateTime leaseEnd, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.ActAsSupport();
        var task = await db.ScriptJobTasks.FirstAsync(t => t.Id == taskId, ct);
        var job = await db.ScriptJobs.FirstAsync(j => j.Id == task.JobId, ct);
        if (task.State != Starting) return; // the sweep has followed it already
        var now = Now;
        switch (outcome)
        {
            case SubmitOutcome.Accepted:
                // Running at once on the pool: say so now rather than at the next pass (launch to Running is measured).
                if (result.Task is { IsFinal: false } t) ScriptJobFollowing.Follow(job, task, t, leaseEnd, now);
                if (task.State == Running)
                    ScriptJobOutcome.Aggregate(job, await db.ScriptJobTasks.Where(x => x.JobId == job.Id).ToListAsync(ct), now);
                else if (job.State == Queued) ScriptJobStateMachine.Move(job, Starting, $"Starting on node {task.NodeId}", now);
                if (db.Entry(job).State == EntityState.Modified) job.Version++;
                break;
            case SubmitOutcome.Waits:
                // Not a retry: the same attempt waits in line again, and may start on another reservation.
                ScriptJobStateMachine.Move(task, Queued, $"Waiting: the pool said {result.Message ?? result.Outcome.ToString()}", now);
                (task.PoolTaskId, task.NodeId, task.ReservationId, task.GpuIndexes, task.StartedAt) = (null, null, null, null, null);
                break;
            case SubmitOutcome.Failed:
                // The job's outcome (and its notice) follows in the sweep, which ends jobs in one place.
                ScriptJobStateMachine.Move(task, Failed, $"The pool refused the task: {result.Message ?? "no reason given"}", now);
                break;
        }
        task.Version++;
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateConcurrencyException) { return; } // the sweep got there first; it decides on fresh data
        changes.Publish(new PortalChange(job.TenantId, PortalChange.Job, job.Id));
    }
}
