using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Pool;
using Portal.Core.Tenancy;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Cancels a job for the calling member (Member and above; any member's job in the organisation). Queued tasks end
/// Cancelled at once; tasks on the pool get SIGTERM, then SIGKILL after <see cref="ScriptJobOptions.CancelGraceSeconds"/>,
/// and the supervisor ends them (and the job) from the pool's answer, seeing <see cref="ScriptJob.CancelledByUserId"/>:
/// a cancelled job is never retried or dispatched again. Cancelling a job that is already being stopped changes nothing.
/// </summary>
public sealed class ScriptJobCancelling(
    IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, AuditOrigin origin, AuditLog audit, TimeProvider time,
    IOptions<ScriptJobOptions> options, IGpuPoolDriver pool, ScriptJobSignal signal, ILogger<ScriptJobCancelling> log)
{
    private const int Attempts = 5;

    /// <summary>Queued tasks end Cancelled at once; running ones get SIGTERM then SIGKILL through the pool. 404 for another tenant's job.</summary>
    public async Task<ScriptJob> CancelAsync(Guid jobId, CancellationToken ct = default)
    {
        await ScriptJobRoles.RequireAsync(tenant, dbFactory, "cancel jobs", ct);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (job, onPool) = await CancelRowsAsync(jobId, ct);
                await StopOnPoolAsync(job, onPool, ct);
                signal.Wake();
                job.SecretsProtected = null;
                return job;
            }
            catch (DbUpdateConcurrencyException) when (attempt < Attempts)
            {
                // The supervisor moved the job or a task meanwhile: decide again on what it wrote.
            }
        }
    }

    private async Task<(ScriptJob Job, List<string> OnPool)> CancelRowsAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.ScriptJobs.Include(j => j.Tasks.OrderBy(t => t.Index)).FirstOrDefaultAsync(j => j.Id == jobId, ct)
            ?? throw ScriptJobException.NotFound();
        if (ScriptJobStateMachine.IsFinal(job.State))
            throw new ScriptJobException("already_final", $"This job has already ended: {job.State}.");
        // Asked twice while its tasks stop (a double click, a retry): the first request stands, nothing more to do.
        if (job.CancelledByUserId is not null) return (job, []);

        var now = time.GetUtcNow().UtcDateTime;
        var name = origin.UserName ?? "a member";
        var reason = $"Cancelled by {name}";
        var onPool = new List<string>();
        var running = false;
        foreach (var task in job.Tasks)
        {
            if (task.State == ScriptJobState.Queued)
            {
                ScriptJobStateMachine.Move(task, ScriptJobState.Cancelled, reason, now);
                task.Version++;
            }
            else if (task.State is ScriptJobState.Starting or ScriptJobState.Running)
            {
                // A Starting task may be on the pool already, or about to be: the supervisor sees the cancel before it submits.
                running = true;
                if (task.PoolTaskId is { } id) onPool.Add(id);
            }
        }
        job.CancelledByUserId = tenant.UserId;
        job.CancelledByName = name.Length > 200 ? name[..200] : name;
        job.Version++;
        if (!running) ScriptJobStateMachine.Move(job, ScriptJobState.Cancelled, reason, now);
        audit.Add(db, "job.cancelled", "ScriptJob", job.Id.ToString(), job.Name, job.TenantId,
            running ? $"{onPool.Count} running task(s) asked to stop" : null);
        await db.SaveChangesAsync(ct);
        return (job, onPool);
    }

    private async Task StopOnPoolAsync(ScriptJob job, List<string> poolTaskIds, CancellationToken ct)
    {
        var grace = TimeSpan.FromSeconds(options.Value.CancelGraceSeconds);
        foreach (var id in poolTaskIds)
        {
            try
            {
                await pool.CancelTaskAsync(id, grace, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // The cancel is recorded on the job: the supervisor asks the pool again until the task stops.
                log.LogWarning(e, "The pool did not take the cancel of task {PoolTaskId} of job {JobId}; the supervisor retries.", id, job.Id);
            }
        }
    }
}
