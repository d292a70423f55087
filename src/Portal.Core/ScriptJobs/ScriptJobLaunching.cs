using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Refusals;
using Portal.Core.Tenancy;

namespace Portal.Core.ScriptJobs;

/// <summary>Launches jobs on a lease: validates, stores the job Queued (idempotent by key), wakes the dispatcher.</summary>
public sealed class ScriptJobLaunching(
    IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, AuditLog audit, TimeProvider time,
    IOptions<ScriptJobOptions> options, ScriptJobSecrets secrets, ScriptJobFiles files, ScriptJobSignal signal)
{
    private ScriptJobOptions Options => options.Value;

    /// <summary>
    /// Throws <see cref="ScriptJobException"/> / <see cref="FieldsRefusedException"/> for bad input,
    /// <see cref="LeaseException"/> 404 for a lease not visible to the caller. Creates nothing when it throws.
    /// The same <see cref="ScriptJobRequest.IdempotencyKey"/> in the same lease returns the job the first launch made.
    /// </summary>
    public async Task<ScriptJob> LaunchAsync(Guid leaseId, ScriptJobRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await ScriptJobRoles.RequireAsync(tenant, dbFactory, "launch jobs", ct);
        var key = request.IdempotencyKey is { Length: > 0 and <= ScriptJobRules.MaxKeyLength } k ? k : null;

        var now = time.GetUtcNow().UtcDateTime;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var lease = await db.Leases.AsNoTracking().Include(l => l.Allocations).FirstOrDefaultAsync(l => l.Id == leaseId, ct)
                ?? throw LeaseException.NotFound();
            // A retry of a launch that went through gets its job, whatever happened to the lease since.
            if (key is not null && await FindByKeyAsync(db, leaseId, key, ct) is { } earlier) return earlier;
            await tenant.EnsureCanSpendAsync(db, ct);
            EnsureLaunchable(lease, now);
            Validate(lease, request, now);
        }

        var job = NewJob(leaseId, request, key, now);
        var staging = await files.StageAsync(request.Files ?? [], ct);
        var moved = false;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await using var tx = await ScriptJobLeaseTurn.BeginAsync(db, leaseId, ct);
            // Read again in the lease's turn: the lease may have ended, or a concurrent launch with this key committed.
            var lease = await db.Leases.AsNoTracking().FirstOrDefaultAsync(l => l.Id == leaseId, ct) ?? throw LeaseException.NotFound();
            if (key is not null && await FindByKeyAsync(db, leaseId, key, ct) is { } earlier) return earlier;
            EnsureLaunchable(lease, now);
            var open = await db.ScriptJobs.CountAsync(j => j.LeaseId == leaseId && ScriptJobQueries.OpenStates.Contains(j.State), ct);
            if (open >= Options.MaxOpenJobsPerLease)
                throw new ScriptJobException("too_many_jobs",
                    $"This lease already has {open} jobs queued or running, the most it may have: wait for some to finish or cancel some.");

            job.Sequence = (await db.ScriptJobs.Where(j => j.LeaseId == leaseId).MaxAsync(j => (long?)j.Sequence, ct) ?? 0) + 1;
            db.ScriptJobs.Add(job);
            audit.Add(db, "job.launched", "ScriptJob", job.Id.ToString(), job.Name, job.TenantId,
                $"{job.TaskCount} × {job.GpusPerTask} GPU on lease {leaseId}");
            await db.SaveChangesAsync(ct);
            if (staging is not null)
            {
                files.Commit(staging, job.Id);
                moved = true;
            }
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException) when (key is not null && !ct.IsCancellationRequested)
        {
            // Lost a race for the key (the unique index on LeaseId + LaunchKey): the winner's job is the answer.
            Discard(staging, moved, job.Id);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            if (await FindByKeyAsync(db, leaseId, key, ct) is not { } winner) throw; // another failure: not ours to hide
            return winner;
        }
        catch
        {
            Discard(staging, moved, job.Id);
            throw;
        }
        finally
        {
            // An early return (a concurrent launch with this key won) leaves the staged files unused.
            if (!moved) ScriptJobFiles.Discard(staging);
        }

        signal.Wake();
        job.SecretsProtected = null; // write-only: nothing hands it out, not even the launch's answer
        return job;
    }

    private void Discard(string? staging, bool moved, Guid jobId)
    {
        ScriptJobFiles.Discard(staging);
        if (moved) files.DiscardJob(jobId);
    }

    private static void EnsureLaunchable(Lease lease, DateTime now)
    {
        // Provisioning is the last minutes before an Active lease's start: a Scheduled lease in all but name.
        if (lease.State is not (LeaseState.Active or LeaseState.Scheduled or LeaseState.Provisioning))
            throw new ScriptJobException("lease_not_launchable",
                $"This lease is {lease.State}: jobs launch only on an Active or Scheduled lease.");
        if (lease.End <= now)
            throw new ScriptJobException("lease_not_launchable",
                $"This lease ended at {lease.End:yyyy-MM-dd HH:mm} UTC: jobs launch only on an Active or Scheduled lease.");
    }

    private void Validate(Lease lease, ScriptJobRequest request, DateTime now)
    {
        var from = now > lease.Start ? now : lease.Start; // a Scheduled lease's jobs wait for its start
        var errors = ScriptJobRules.Validate(request, new ScriptJobRules.LeaseLimits(lease.Gpus, MaxGpusPerTask(lease, from), lease.Start, lease.End), Options);
        var pastEnd = ScriptJobRules.TimeLimitPastLeaseEnd(request.TimeLimitMinutes, from, lease.End);
        if (errors.Count > 0)
        {
            if (pastEnd is not null) errors.TryAdd(nameof(ScriptJobRequest.TimeLimitMinutes), pastEnd);
            throw new FieldsRefusedException(errors);
        }
        if (pastEnd is not null) throw new ScriptJobTimeLimitException(pastEnd, lease.Id, lease.End);
    }

    /// <summary>
    /// A task runs on one of the lease's reservations (one allocation, on one node): the largest that holds at
    /// <paramref name="at"/>, or of any the lease has when none covers that instant.
    /// </summary>
    internal static int MaxGpusPerTask(Lease lease, DateTime at)
    {
        var live = lease.Allocations.Where(a => a.Status != AllocationStatus.Released).ToList();
        var now = live.Where(a => a.Start <= at && at < a.End).ToList();
        var pick = now.Count > 0 ? now : live;
        return pick.Count > 0 ? pick.Max(a => a.Gpus) : lease.Gpus;
    }

    private ScriptJob NewJob(Guid leaseId, ScriptJobRequest r, string? key, DateTime now)
    {
        var tenantId = tenant.TenantId ?? throw TenantActionRefusedException.NoOrganisation();
        var (variablesJson, secretValues) = ScriptJobVariables.Split(r.Variables);
        var inputs = r.Files ?? [];
        var job = new ScriptJob
        {
            TenantId = tenantId,
            LeaseId = leaseId,
            Name = r.Name.Trim(),
            Script = r.Script,
            GpusPerTask = r.GpusPerTask,
            TaskCount = r.Tasks,
            Priority = r.Priority,
            TimeLimitMinutes = r.TimeLimitMinutes,
            MaxRetries = r.Retries,
            RetryExitCodes = r.RetryExitCodes is { Count: > 0 } codes ? string.Join(",", codes.Distinct().Order()) : null,
            Profile = r.Profile is { Length: > 0 } p ? p.Trim().ToLowerInvariant() : null,
            VariablesJson = variablesJson,
            SecretsProtected = secrets.Protect(secretValues),
            InputFilesJson = ScriptJobFiles.InputListJson(inputs),
            LaunchKey = key,
            CreatedByUserId = tenant.UserId ?? throw TenantActionRefusedException.NoOrganisation(),
            CreatedAt = now,
        };
        for (var i = 0; i < r.Tasks; i++)
            job.Tasks.Add(new ScriptJobTask { TenantId = tenantId, JobId = job.Id, LeaseId = leaseId, Index = i, Gpus = r.GpusPerTask });
        return job;
    }

    private static async Task<ScriptJob?> FindByKeyAsync(PortalDbContext db, Guid leaseId, string key, CancellationToken ct)
    {
        var job = await db.ScriptJobs.AsNoTracking().Include(j => j.Tasks.OrderBy(t => t.Index))
            .FirstOrDefaultAsync(j => j.LeaseId == leaseId && j.LaunchKey == key, ct);
        if (job is not null) job.SecretsProtected = null;
        return job;
    }
}
