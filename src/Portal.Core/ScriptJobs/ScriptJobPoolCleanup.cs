using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Deletes a job's task folders on the pool (its working directories, the pool's own logs and samples) when the portal
/// deletes its copy: once <see cref="PurgeScriptJobOutputJob"/> has purged a job at the end of its log retention, the pool
/// is asked to forget every attempt of each of its tasks, and a task whose attempts are all gone has its pool id cleared,
/// which marks it done. Until then a task's folder stays: its working directory may hold what the job wrote. A pool that
/// is away, or still runs an attempt, is asked again at the next run. Idempotent.
/// </summary>
public sealed class ScriptJobPoolCleanup(IDbContextFactory<PortalDbContext> dbFactory, IGpuPoolDriver pool, ILogger<ScriptJobPoolCleanup> logger)
{
    private const int Batch = 200;

    /// <summary>Forgets the pool tasks of purged jobs; returns how many tasks the pool holds nothing of any more.</summary>
    public async Task<int> ForgetPurgedAsync(CancellationToken ct = default)
    {
        var forgotten = 0;
        var left = 0; // tasks the pool kept this run: skipped, so that the run ends
        var warned = false;
        while (true)
        {
            List<(Guid Id, Guid TenantId, int Attempt, string PoolTaskId)> due;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                db.ActAsSupport(); // the system's pass over every tenant's jobs; each task is then changed in its tenant's scope
                due = [.. (await db.ScriptJobTasks.Where(t => t.PoolTaskId != null && db.ScriptJobs.Any(j => j.Id == t.JobId && j.PurgedAt != null))
                    .OrderBy(t => t.Id).Skip(left).Take(Batch).Select(t => new { t.Id, t.TenantId, t.Attempt, t.PoolTaskId }).ToListAsync(ct))
                    .Select(t => (t.Id, t.TenantId, t.Attempt, t.PoolTaskId!))];
            }
            foreach (var task in due)
            {
                bool gone;
                try
                {
                    gone = true;
                    for (var attempt = 1; attempt <= task.Attempt; attempt++) // a retry is a new task on the pool
                        gone &= await pool.ForgetTaskAsync(ScriptJobTaskSpecs.PoolTaskId(task.Id, attempt), ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    if (!warned) logger.LogWarning(e, "The pool did not delete the folders of purged script jobs' tasks; the next run asks again");
                    (warned, gone) = (true, false);
                }
                if (!gone)
                {
                    left++;
                    continue;
                }
                await using var db = (await dbFactory.CreateDbContextAsync(ct)).ForTenant(task.TenantId);
                await db.ScriptJobTasks.Where(t => t.Id == task.Id && t.PoolTaskId == task.PoolTaskId)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.PoolTaskId, (string?)null), ct);
                forgotten++;
            }
            if (due.Count < Batch) break;
        }
        return forgotten;
    }
}
