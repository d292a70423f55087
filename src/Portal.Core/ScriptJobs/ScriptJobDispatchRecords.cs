using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using static Portal.Core.ScriptJobs.ScriptJobState;

namespace Portal.Core.ScriptJobs;

/// <summary>A task the pool answered, and what it answered (<see cref="ScriptJobDispatcher.SubmitAsync"/>).</summary>
internal sealed record SubmitAnswer(Guid TaskId, PoolSubmitResult Result, ScriptJobDispatcher.SubmitOutcome Outcome);

/// <summary>
/// What the dispatcher writes around its submits, a whole pass's placements at a time: the tasks recorded Starting before
/// the pool hears of them, then what the pool answered. Each write is one transaction, guarded by the rows' versions.
/// </summary>
internal sealed class ScriptJobDispatchRecords(IDbContextFactory<PortalDbContext> dbFactory, PortalChanges changes, TimeProvider time)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Records the placed tasks Starting, in line, up to the first that is no longer waiting (another pass took it: its
    /// placement is stale, and so are those behind it). None when another pass wrote any of them first. The batch keeps
    /// its rows tracked, so that the pool's answers are written without reading them again (<see cref="SubmittedAsync"/>).
    /// </summary>
    public async Task<StartingBatch> StartingAsync(IReadOnlyList<TaskPlacement> placements, CancellationToken ct)
    {
        if (placements.Count == 0) return StartingBatch.Empty;
        var db = await dbFactory.CreateDbContextAsync(ct);
        var batch = new StartingBatch(db);
        try
        {
            db.ActAsSupport();
            var taskIds = placements.Select(p => p.TaskId).ToList();
            var jobIds = placements.Select(p => p.JobId).Distinct().ToList();
            var tasks = await db.ScriptJobTasks.Where(t => taskIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
            var jobs = await db.ScriptJobs.Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
            var now = Now;
            foreach (var p in placements)
            {
                var task = tasks.GetValueOrDefault(p.TaskId);
                var job = jobs.GetValueOrDefault(p.JobId);
                if (task?.State != Queued || job is null || ScriptJobStateMachine.IsFinal(job.State) || job.CancelledByUserId is not null) break;
                ScriptJobStateMachine.Move(task, Starting, $"Starting on node {p.Reservation.NodeId}", now);
                task.PoolTaskId = ScriptJobTaskSpecs.PoolTaskId(task);
                (task.NodeId, task.ReservationId, task.GpuIndexes, task.Gpus) = (p.Reservation.NodeId, p.Reservation.Id, null, job.GpusPerTask);
                task.Version++;
                batch.Tasks.Add((task, job));
            }
            if (batch.Tasks.Count == 0) return batch;
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateConcurrencyException)
            {
                batch.Tasks.Clear();
                return batch;
            }
            foreach (var job in batch.Tasks.Select(s => s.Job).Distinct()) changes.Publish(new PortalChange(job.TenantId, PortalChange.Job, job.Id));
            return batch;
        }
        catch
        {
            await batch.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Records what the pool answered for tasks recorded Starting (none when another pass followed any of them first): on the
    /// rows the batch still tracks, or read again when there is no batch (a submit repeated by the sweep).
    /// </summary>
    public async Task SubmittedAsync(IReadOnlyList<SubmitAnswer> answers, DateTime leaseEnd, CancellationToken ct, StartingBatch? batch = null)
    {
        if (answers.Count == 0) return;
        await using var own = batch?.Db is null ? await dbFactory.CreateDbContextAsync(ct) : null;
        var db = batch?.Db ?? own!;
        db.ActAsSupport();
        Dictionary<Guid, ScriptJobTask> tasks;
        Dictionary<Guid, ScriptJob> jobs;
        if (batch?.Db is not null)
        {
            tasks = batch.Tasks.ToDictionary(s => s.Task.Id, s => s.Task);
            jobs = batch.Tasks.Select(s => s.Job).DistinctBy(j => j.Id).ToDictionary(j => j.Id);
        }
        else
        {
            var taskIds = answers.Select(a => a.TaskId).ToList();
            tasks = await db.ScriptJobTasks.Where(t => taskIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
            var jobIds = tasks.Values.Select(t => t.JobId).Distinct().ToList();
            jobs = await db.ScriptJobs.Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
        }
        var now = Now;
        foreach (var answer in answers)
        {
            if (tasks.GetValueOrDefault(answer.TaskId) is not { State: Starting } task) continue; // the sweep has followed it already
            var job = jobs[task.JobId];
            await RecordAsync(db, job, task, answer, leaseEnd, now, ct);
            task.Version++;
        }
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateConcurrencyException) { return; } // the sweep got there first; it decides on fresh data
        foreach (var job in jobs.Values) changes.Publish(new PortalChange(job.TenantId, PortalChange.Job, job.Id));
    }

    private static async Task RecordAsync(PortalDbContext db, ScriptJob job, ScriptJobTask task, SubmitAnswer answer, DateTime leaseEnd,
        DateTime now, CancellationToken ct)
    {
        var result = answer.Result;
        switch (answer.Outcome)
        {
            case ScriptJobDispatcher.SubmitOutcome.Accepted:
                // Running at once on the pool: say so now rather than at the next pass (launch to Running is measured).
                // The pool's word on where it runs (a submit repeated after a race returns the task where it first went).
                if (result.Task is { } placed) (task.NodeId, task.ReservationId) = (placed.NodeId, placed.ReservationId);
                if (result.Task is { IsFinal: false } t) ScriptJobFollowing.Follow(job, task, t, leaseEnd, now);
                if (task.State == Running)
                {
                    // The job's other tasks as tracked here (a sweep's tasks may be answered in the same batch); a job of one
                    // task has no other.
                    var all = job.TaskCount == 1 ? [task] : await db.ScriptJobTasks.Where(x => x.JobId == job.Id).ToListAsync(ct);
                    ScriptJobOutcome.Aggregate(job, all, now);
                }
                else if (job.State == Queued) ScriptJobStateMachine.Move(job, Starting, $"Starting on node {task.NodeId}", now);
                if (db.Entry(job).State == EntityState.Modified && !db.Entry(job).Property(j => j.Version).IsModified) job.Version++;
                break;
            case ScriptJobDispatcher.SubmitOutcome.Waits:
                // Not a retry: the same attempt waits in line again, and may start on another reservation.
                ScriptJobStateMachine.Move(task, Queued, $"Waiting: the pool said {result.Message ?? result.Outcome.ToString()}", now);
                (task.PoolTaskId, task.NodeId, task.ReservationId, task.GpuIndexes, task.StartedAt) = (null, null, null, null, null);
                break;
            case ScriptJobDispatcher.SubmitOutcome.Failed:
                // The job's outcome (and its notice) follows in the sweep, which ends jobs in one place.
                ScriptJobStateMachine.Move(task, Failed, $"The pool refused the task: {result.Message ?? "no reason given"}", now);
                break;
        }
    }
}

/// <summary>Tasks a dispatch recorded Starting, with the context that still tracks their rows until the pool's answers are written.</summary>
internal sealed class StartingBatch(PortalDbContext? db) : IAsyncDisposable
{
    public static StartingBatch Empty => new(null);

    public PortalDbContext? Db { get; } = db;
    public List<(ScriptJobTask Task, ScriptJob Job)> Tasks { get; } = [];

    public ValueTask DisposeAsync() => Db?.DisposeAsync() ?? ValueTask.CompletedTask;
}
