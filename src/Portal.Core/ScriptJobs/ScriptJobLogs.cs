using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>A task's kept log as a file to download: its name and its bytes (the caller disposes the stream).</summary>
public sealed record JobLogFile(string FileName, Stream Content);

/// <summary>All of a job's kept logs as one zip (one entry per task and stream), written on demand into any stream.</summary>
public sealed record JobLogArchive(string FileName, Func<Stream, CancellationToken, Task> WriteToAsync);

/// <summary>
/// The kept logs of the current tenant's jobs (stdout, stderr per task), read by byte offset; another tenant's job is
/// not there (null). Live readers follow a running task by asking again from where they got to.
/// </summary>
public sealed class ScriptJobLogs(IDbContextFactory<PortalDbContext> dbFactory, ScriptJobLogStore store, IOptions<ScriptJobOptions> options)
{
    /// <summary>What one read may return at most, whatever the caller asks.</summary>
    public const int MaxReadBytes = 4 * 1024 * 1024;

    // Jobs this scope has seen (a live reader asks many times): mid-file reads need no database; the tail re-checks state.
    private readonly ConcurrentDictionary<(Guid, int), Found> seen = new();

    /// <summary>
    /// Up to <paramref name="maxBytes"/> from <paramref name="offset"/>; null when the job or task is not visible. A reader
    /// behind the end of the kept file costs no database query; one at the end learns whether more can come.
    /// </summary>
    public async Task<JobLogChunk?> ReadAsync(Guid jobId, int taskIndex, PoolLogStream stream, long offset, int maxBytes,
        CancellationToken ct = default)
    {
        offset = Math.Max(0, offset);
        var found = seen.GetValueOrDefault((jobId, taskIndex)) ?? await FindAsync(jobId, ct, taskIndex);
        if (found is null || found.Tasks.Count == 0) return null;
        seen[(jobId, taskIndex)] = found;
        if (found.Job.PurgedAt is not null) return Purged(found.Job, offset);

        maxBytes = Math.Clamp(maxBytes, 0, MaxReadBytes);
        if (offset + maxBytes < store.Length(jobId, taskIndex, stream))
            return new(offset, await store.ReadAsync(jobId, taskIndex, stream, offset, maxBytes, ct), Complete: false, found.Job.LogTruncated);

        found = await FindAsync(jobId, ct, taskIndex);
        if (found is null || found.Tasks.Count == 0) return null;
        seen[(jobId, taskIndex)] = found;
        if (found.Job.PurgedAt is not null) return Purged(found.Job, offset);
        // Whole-ness first, bytes second: once the log is kept whole the file never grows, so what we then read is all of it.
        var whole = IsKeptWhole(found.Job, found.Tasks[0], stream);
        var data = await store.ReadAsync(jobId, taskIndex, stream, offset, maxBytes, ct);
        return new(offset, data, whole && offset + data.Length >= store.Length(jobId, taskIndex, stream), found.Job.LogTruncated);
    }

    /// <summary>
    /// As <see cref="ReadAsync"/>, into the caller's buffer (the API lends a pooled one, so twenty live readers do not each
    /// allocate a megabyte per request): how many bytes were read from <paramref name="offset"/>, whether that is the whole
    /// log, and its note; null when the job or task is not visible.
    /// </summary>
    public async Task<JobLogRead?> ReadIntoAsync(Guid jobId, int taskIndex, PoolLogStream stream, long offset, Memory<byte> into,
        CancellationToken ct = default)
    {
        offset = Math.Max(0, offset);
        var found = seen.GetValueOrDefault((jobId, taskIndex)) ?? await FindAsync(jobId, ct, taskIndex);
        if (found is null || found.Tasks.Count == 0) return null;
        seen[(jobId, taskIndex)] = found;
        if (found.Job.PurgedAt is not null) return PurgedRead(found.Job, offset);

        into = into[..Math.Clamp(into.Length, 0, MaxReadBytes)];
        if (offset + into.Length < store.Length(jobId, taskIndex, stream))
            return new(offset, await store.ReadIntoAsync(jobId, taskIndex, stream, offset, into, ct), Complete: false, found.Job.LogTruncated);

        found = await FindAsync(jobId, ct, taskIndex);
        if (found is null || found.Tasks.Count == 0) return null;
        seen[(jobId, taskIndex)] = found;
        if (found.Job.PurgedAt is not null) return PurgedRead(found.Job, offset);
        var whole = IsKeptWhole(found.Job, found.Tasks[0], stream); // whole-ness first, bytes second (see ReadAsync)
        var count = await store.ReadIntoAsync(jobId, taskIndex, stream, offset, into, ct);
        return new(offset, count, whole && offset + count >= store.Length(jobId, taskIndex, stream), found.Job.LogTruncated);
    }

    private JobLogRead PurgedRead(JobHead job, long offset) =>
        new(offset, 0, Complete: true, job.LogTruncated, ScriptJobLogNotes.Purged(job.PurgedAt!.Value, options.Value.LogRetentionDays));

    private JobLogChunk Purged(JobHead job, long offset) =>
        new(offset, [], Complete: true, job.LogTruncated, ScriptJobLogNotes.Purged(job.PurgedAt!.Value, options.Value.LogRetentionDays));

    /// <summary>The task has ended and the collector has kept all of its log that will ever be kept.</summary>
    private bool IsKeptWhole(JobHead job, TaskHead task, PoolLogStream stream)
    {
        if (!ScriptJobStateMachine.IsFinal(task.State)) return false;
        if (task.PoolTaskId is null || job.LogTruncated) return true;
        return store.ReadMark(job.Id, task.Index, stream) is { Complete: true } mark && mark.Attempt == task.Attempt;
    }

    /// <summary>One task's stream as a file; null when the job or task is not visible. A purged log downloads as its note.</summary>
    public async Task<JobLogFile?> OpenDownloadAsync(Guid jobId, int taskIndex, PoolLogStream stream, CancellationToken ct = default)
    {
        var found = await FindAsync(jobId, ct, taskIndex);
        if (found is null || found.Tasks.Count == 0) return null;
        var name = $"{FilePrefix(found.Job)}-task-{taskIndex}.{StreamName(stream)}.log";
        if (found.Job.PurgedAt is { } purged)
            return new(name, new MemoryStream(Encoding.UTF8.GetBytes(ScriptJobLogNotes.Purged(purged, options.Value.LogRetentionDays) + "\n")));
        return new(name, store.OpenRead(jobId, taskIndex, stream) ?? new MemoryStream());
    }

    /// <summary>Every task's stdout and stderr in one zip (<c>task-0.stdout.log</c>, ...); null when the job is not visible.</summary>
    public async Task<JobLogArchive?> OpenArchiveAsync(Guid jobId, CancellationToken ct = default)
    {
        var found = await FindAsync(jobId, ct);
        if (found is null) return null;
        var job = found.Job;
        var indexes = found.Tasks.Select(t => t.Index).Order().ToList();
        var note = job.PurgedAt is { } purged ? ScriptJobLogNotes.Purged(purged, options.Value.LogRetentionDays) : null;
        return new($"{FilePrefix(job)}-logs.zip", (output, token) => WriteZipAsync(job.Id, indexes, note, output, token));
    }

    private async Task WriteZipAsync(Guid jobId, List<int> indexes, string? purgedNote, Stream output, CancellationToken ct)
    {
        await using var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct);
        if (purgedNote is not null)
        {
            await using var readme = await zip.CreateEntry("README.txt").OpenAsync(ct);
            await readme.WriteAsync(Encoding.UTF8.GetBytes(purgedNote + "\n"), ct);
            return;
        }
        foreach (var index in indexes)
        foreach (var stream in (PoolLogStream[])[PoolLogStream.Stdout, PoolLogStream.Stderr])
        {
            await using var kept = store.OpenRead(jobId, index, stream);
            if (kept is null) continue; // nothing was ever written there
            await using var entry = await zip.CreateEntry($"task-{index}.{StreamName(stream)}.log", CompressionLevel.Fastest).OpenAsync(ct);
            await kept.CopyToAsync(entry, ct);
        }
    }

    private static string StreamName(PoolLogStream stream) => stream == PoolLogStream.Stdout ? "stdout" : "stderr";

    /// <summary>The job's name made safe for a file name ("train-resnet"), or its id when nothing of it is.</summary>
    private static string FilePrefix(JobHead job)
    {
        var safe = new string([.. job.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]).Trim('-', '.');
        return safe.Length > 0 ? safe[..Math.Min(safe.Length, 60)] : "job-" + job.Id.ToString("N")[..8];
    }

    private sealed record JobHead(Guid Id, string Name, bool LogTruncated, DateTime? PurgedAt);
    private sealed record TaskHead(int Index, ScriptJobState State, int Attempt, string? PoolTaskId);
    private sealed record Found(JobHead Job, List<TaskHead> Tasks);

    /// <summary>The job and its tasks (or only task <paramref name="index"/>) if visible: small columns only, never the script.</summary>
    private async Task<Found?> FindAsync(Guid jobId, CancellationToken ct, int? index = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (index is { } i)
        {
            // One query for a live reader's poll: the task with its job's head.
            var row = await db.ScriptJobTasks.AsNoTracking().Where(t => t.JobId == jobId && t.Index == i)
                .Join(db.ScriptJobs, t => t.JobId, j => j.Id, (t, j) => new
                {
                    Job = new JobHead(j.Id, j.Name, j.LogTruncated, j.PurgedAt), Task = new TaskHead(t.Index, t.State, t.Attempt, t.PoolTaskId),
                })
                .FirstOrDefaultAsync(ct);
            return row is null ? null : new(row.Job, [row.Task]);
        }
        var job = await db.ScriptJobs.AsNoTracking().Where(j => j.Id == jobId)
            .Select(j => new JobHead(j.Id, j.Name, j.LogTruncated, j.PurgedAt)).FirstOrDefaultAsync(ct);
        if (job is null) return null;
        return new(job, await db.ScriptJobTasks.AsNoTracking().Where(t => t.JobId == jobId)
            .Select(t => new TaskHead(t.Index, t.State, t.Attempt, t.PoolTaskId)).ToListAsync(ct));
    }
}
