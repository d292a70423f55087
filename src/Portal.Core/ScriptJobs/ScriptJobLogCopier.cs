using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Copies one stream of one task from the pool into the <see cref="ScriptJobLogStore"/>, chunk by chunk: mask secrets,
/// mark, append, then record the new pool offset and the job's kept bytes in one transaction. The order makes a re-run
/// after a death at any point copy nothing twice and lose nothing (see <see cref="ScriptJobLogMark"/>).
/// </summary>
internal sealed class ScriptJobLogCopier(
    IDbContextFactory<PortalDbContext> dbFactory, IGpuPoolDriver pool, ScriptJobLogStore store, ScriptJobSecrets secrets,
    ScriptJobOutputHooks hooks, ScriptJobOptions options)
{
    /// <summary>One read from the pool; a call copies at most <see cref="MaxChunksPerCall"/> of them per stream.</summary>
    public const int ChunkBytes = 1024 * 1024;
    private const int MaxChunksPerCall = 16;

    /// <summary><paramref name="untilEnd"/>: the task ended on the pool; copy until its log says complete, however long it is.</summary>
    public async Task CopyAsync(Guid tenantId, Guid taskId, PoolLogStream stream, bool untilEnd, CancellationToken ct)
    {
        ScriptJobSecretMask? mask = null;
        for (var round = 0; untilEnd || round < MaxChunksPerCall; round++)
        {
            await using var db = (await dbFactory.CreateDbContextAsync(ct)).ForTenant(tenantId);
            var task = await db.ScriptJobTasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == taskId, ct);
            if (task?.PoolTaskId is not { } poolTaskId) return;
            // Small columns only: the script (up to 1 MB) is not read once per chunk.
            var job = await db.ScriptJobs.AsNoTracking().Where(j => j.Id == task.JobId)
                .Select(j => new { j.Id, j.LogBytes, j.LogTruncated, j.PurgedAt, j.MaxRetries, j.SecretsProtected }).FirstAsync(ct);
            if (job.LogTruncated || job.PurgedAt is not null) return;

            var (attempt, offset) = (task.Attempt, stream == PoolLogStream.Stdout ? task.StdoutOffset : task.StderrOffset);
            var mark = store.ReadMark(job.Id, task.Index, stream);
            var recovering = mark?.Matches(attempt, offset) == true;
            if (recovering && mark!.Complete) return; // this attempt's log is all here
            var length = recovering ? mark!.Length : store.Length(job.Id, task.Index, stream);

            var chunk = await pool.ReadLogAsync(poolTaskId, stream, offset, ChunkBytes, ct);
            if (chunk is null)
            {
                // The pool does not know the task (any more): once it has ended, nothing more will ever come.
                if (ScriptJobStateMachine.IsFinal(task.State)) store.WriteMark(job.Id, task.Index, stream, new(attempt, offset, length, Complete: true));
                return;
            }
            mask ??= new ScriptJobSecretMask(secrets.Reveal(new ScriptJob { Name = "", Script = "", CreatedByUserId = "",
                SecretsProtected = job.SecretsProtected }).Values);
            var masked = mask.Apply(chunk.Data, chunk.Complete);
            var atEnd = chunk.Complete && masked.Consumed == chunk.Data.Length;

            if (masked.Consumed == 0)
            {
                if (atEnd) store.WriteMark(job.Id, task.Index, stream, new(attempt, offset, length, Complete: true));
                return;
            }

            var bytes = masked.Output;
            if (offset == 0 && attempt > 1)
                bytes = [.. Line(ScriptJobLogNotes.Attempt(attempt, job.MaxRetries + 1), store.EndsWithNewline(job.Id, task.Index, stream, length)), .. bytes];
            var cap = options.LogCapBytes;
            var cut = job.LogBytes + bytes.Length > cap;
            if (cut)
            {
                var room = (int)Math.Max(0, cap - job.LogBytes);
                var endsLine = room > 0 ? bytes[room - 1] == '\n' : store.EndsWithNewline(job.Id, task.Index, stream, length);
                bytes = [.. bytes.AsSpan(0, room), .. Line(ScriptJobLogNotes.Cut(cap), endsLine)];
            }

            store.WriteMark(job.Id, task.Index, stream, new(attempt, offset, length, Complete: false));
            var newLength = await store.AppendAsync(job.Id, task.Index, stream, length, bytes, ct);
            hooks.Step("log-appended");
            if (!await RecordAsync(db, task, stream, offset, offset + masked.Consumed, bytes.Length, cut, ct))
            {
                // The task moved on under us (a new attempt, or another collector): take our bytes back out.
                await store.AppendAsync(job.Id, task.Index, stream, length, ReadOnlyMemory<byte>.Empty, ct);
                return;
            }
            if (atEnd) store.WriteMark(job.Id, task.Index, stream, new(attempt, offset + masked.Consumed, newLength, Complete: true));
            if (cut || atEnd || (!untilEnd && chunk.Data.Length < ChunkBytes)) return; // nothing more waits at the pool now
        }
    }

    private static byte[] Line(string note, bool afterNewline) => Encoding.UTF8.GetBytes(afterNewline ? note : "\n" + note);

    /// <summary>The new offset (only if the task is still where we read it) and the job's kept bytes, together or not at all.</summary>
    private static async Task<bool> RecordAsync(PortalDbContext db, ScriptJobTask task, PoolLogStream stream, long from, long to,
        long kept, bool cut, CancellationToken ct)
    {
        // No Version bump: the supervisor may hold this task tracked while it collects; the offset is guarded by the
        // where clause instead (same attempt, same pool task, still at the offset we read from).
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var mine = db.ScriptJobTasks.Where(t => t.Id == task.Id && t.Attempt == task.Attempt && t.PoolTaskId == task.PoolTaskId);
        var moved = stream == PoolLogStream.Stdout
            ? await mine.Where(t => t.StdoutOffset == from).ExecuteUpdateAsync(s => s.SetProperty(t => t.StdoutOffset, to), ct)
            : await mine.Where(t => t.StderrOffset == from).ExecuteUpdateAsync(s => s.SetProperty(t => t.StderrOffset, to), ct);
        if (moved == 0) return false;
        // An atomic increment: the job's state writers never touch these columns.
        await db.ScriptJobs.Where(j => j.Id == task.JobId)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LogBytes, j => j.LogBytes + kept).SetProperty(j => j.LogTruncated, j => j.LogTruncated || cut), ct);
        await tx.CommitAsync(ct);
        return true;
    }
}
