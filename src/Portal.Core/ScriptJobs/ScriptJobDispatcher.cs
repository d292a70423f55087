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
    private readonly ScriptJobDispatchRecords records = new(dbFactory, changes, time);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Starts the lease's queued tasks that fit now, in line; returns how many the pool accepted. <paramref name="endedOnPool"/>:
    /// tasks the pool's own list says ended (and will not run again), whose GPUs may go to the next in line already.
    /// <paramref name="readLease"/>: the lease with its allocations as the caller's pass just read it.
    /// </summary>
    public async Task<int> DispatchAsync(Guid leaseId, CancellationToken ct = default, IReadOnlySet<string>? endedOnPool = null,
        Lease? readLease = null)
    {
        List<TaskPlacement> placements;
        Lease lease;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.ActAsSupport(); // the system's pass over every tenant's leases; it shows nothing to anyone
            if (await ScriptJobLine.LoadAsync(db, leaseId, Now, ct, headOnly: true, endedOnPool, readLease) is not { } line
                || !AcceptsTasks(line.Lease, Now)) return 0;
            (lease, placements) = (line.Lease, ScriptJobPlacement.Place(line.Reservations, line.Running, line.Queued));
        }
        // All recorded Starting in one write, then submitted in line, then what the pool said in one write.
        await using var batch = await records.StartingAsync(placements, ct);
        var answers = new List<SubmitAnswer>();
        var waits = false;
        foreach (var (task, job) in batch.Tasks)
        {
            // Strict line: what the head could not take, nobody behind it takes; they go back in line unsubmitted.
            var answer = waits ? new SubmitAnswer(task.Id, new(PoolSubmitOutcome.InsufficientGpus, Message: "a task ahead in line waits"),
                SubmitOutcome.Waits) : await SubmitOnlyAsync(task, job, lease, ct);
            if (answer is null) continue; // unanswered: left Starting for the sweep to submit again
            answers.Add(answer);
            waits |= answer.Outcome == SubmitOutcome.Waits;
        }
        await records.SubmittedAsync(answers, lease.End, ct, batch);
        return answers.Count(a => a.Outcome == SubmitOutcome.Accepted);
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
        if (await SubmitOnlyAsync(task, job, lease, ct) is not { } answer) return SubmitOutcome.Unanswered;
        await records.SubmittedAsync([answer], lease.End, ct);
        return answer.Outcome;
    }

    /// <summary>The submit itself: what the pool answered (null when it did not), not yet recorded.</summary>
    private async Task<SubmitAnswer?> SubmitOnlyAsync(ScriptJobTask task, ScriptJob job, Lease lease, CancellationToken ct)
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
            return null;
        }
        var outcome = result.Outcome switch
        {
            PoolSubmitOutcome.Submitted => SubmitOutcome.Accepted,
            PoolSubmitOutcome.Failed => SubmitOutcome.Failed,
            _ => SubmitOutcome.Waits,
        };
        return new SubmitAnswer(task.Id, result, outcome);
    }
}
