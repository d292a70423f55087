using System.Buffers;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Web.Leases;

namespace Portal.Web.ScriptJobs;

/// <summary>GET a task's log from a byte offset (polling, or Server-Sent Events), and the whole kept log as a download.</summary>
internal static class ScriptJobLogEndpoints
{
    public const string NextOffsetHeader = "X-Log-Next-Offset";
    public const string CompleteHeader = "X-Log-Complete";
    public const string TruncatedHeader = "X-Log-Truncated";
    public const string NoteHeader = "X-Log-Note";
    public const int DefaultLimit = 1024 * 1024;
    public const int MaxLimit = 8 * 1024 * 1024;

    public const string Description =
        "Query: `task` (index, default 0), `stream` (`stdout` default, or `stderr`), `offset` (bytes already read, default 0). " +
        "Offsets count bytes of the kept log; a chunk never ends inside a UTF-8 character (unless the log ends there).\n\n" +
        "**Polling** (any `Accept` but `text/event-stream`): the bytes from `offset` (up to `limit`, default 1 MiB) as " +
        "`text/plain; charset=utf-8`, with headers `X-Log-Next-Offset` (the `offset` to ask for next), `X-Log-Complete` (`true` when the " +
        "task has ended and nothing follows), `X-Log-Truncated` (`true` when the job's log cap cut it; the log says where) and " +
        "`X-Log-Note` (why there is nothing: the logs were deleted after their retention).\n\n" +
        "**Live** (`Accept: text/event-stream`): follows the log until the task ends. Each chunk is an event `log` whose `id:` is the " +
        "byte offset after it and whose single `data:` line is JSON `{\"offset\": start, \"nextOffset\": end, \"text\": \"...\"}` " +
        "(`text` is the chunk decoded as UTF-8; when the bytes are not valid UTF-8, `bytesBase64` carries them exactly). Lines " +
        "starting with `:` are heartbeats. The stream closes after `event: end` with `data: {\"offset\": end, \"complete\": true, " +
        "\"truncated\": bool, \"note\": null or why there is nothing}`. " +
        "To resume after a dropped connection send `Last-Event-ID` (EventSource does) or `?offset=` with the " +
        "last `id`: nothing is lost or repeated.";

    public static async Task<IResult> ReadAsync(Guid id, HttpContext http, string? task, string? stream, string? offset, string? limit,
        ScriptJobLogs logs, IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        var (query, error) = Parse(await TaskCountAsync(id, dbFactory, ct), task, stream);
        if (error is not null) return error;
        var start = 0L;
        var lastEventId = http.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0 && (!long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out start)))
            return LeaseProblems.Invalid("Last-Event-ID", "Last-Event-ID is the byte offset of the last event received (its id).");
        if (lastEventId.Length == 0 && !string.IsNullOrWhiteSpace(offset) && !long.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out start))
            return LeaseProblems.Invalid("offset", "The offset is a number of bytes from 0.");
        var max = DefaultLimit;
        if (!string.IsNullOrWhiteSpace(limit) && (!int.TryParse(limit, out max) || max < 1 || max > MaxLimit))
            return LeaseProblems.Invalid("limit", $"The limit is a number of bytes from 1 to {MaxLimit}.");

        if (WantsEventStream(http.Request))
        {
            await ScriptJobLogStream.FollowAsync(http, logs, id, query.Task, query.Stream, start, ct);
            return Results.Empty;
        }

        // A pooled buffer, written straight to the response: live readers each asking for a megabyte at a time would
        // otherwise allocate (and copy) one per request, which the GC only reclaims in its rare full collections.
        var buffer = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var read = await logs.ReadIntoAsync(id, query.Task, query.Stream, start, buffer.AsMemory(0, max), ct) ?? throw ScriptJobException.NotFound();
            var (length, complete) = LogChunks.Whole(buffer.AsSpan(0, read.Count), read.Complete, max);
            var response = http.Response;
            response.Headers[NextOffsetHeader] = (read.Offset + length).ToString(CultureInfo.InvariantCulture);
            response.Headers[CompleteHeader] = complete ? "true" : "false";
            response.Headers[TruncatedHeader] = read.Truncated ? "true" : "false";
            response.Headers.CacheControl = "no-store";
            // Why there is nothing (the logs were deleted after retention): ASCII, so it fits a header.
            if (read.Note is { } note && note.All(char.IsAscii)) response.Headers[NoteHeader] = note;
            response.ContentType = "text/plain; charset=utf-8";
            response.ContentLength = length;
            await response.Body.WriteAsync(buffer.AsMemory(0, length), ct);
            return Results.Empty;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static async Task<IResult> DownloadAsync(Guid id, string? task, string? stream, ScriptJobLogs logs,
        IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        var (query, error) = Parse(await TaskCountAsync(id, dbFactory, ct), task, stream);
        if (error is not null) return error;
        if (!string.IsNullOrWhiteSpace(task) || !string.IsNullOrWhiteSpace(stream))
        {
            var file = await logs.OpenDownloadAsync(id, query.Task, query.Stream, ct) ?? throw ScriptJobException.NotFound();
            return TypedResults.File(file.Content, "text/plain; charset=utf-8", file.FileName);
        }
        var archive = await logs.OpenArchiveAsync(id, ct) ?? throw ScriptJobException.NotFound();
        // The zip writer still makes a synchronous write or two, which the server's response stream refuses: a temporary file takes them.
        var zip = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await archive.WriteToAsync(zip, ct);
        }
        catch
        {
            await zip.DisposeAsync();
            throw;
        }
        zip.Position = 0;
        return TypedResults.File(zip, "application/zip", archive.FileName);
    }

    /// <summary>The job's number of tasks; a job not visible (another tenant's) is a 404.</summary>
    private static async Task<int> TaskCountAsync(Guid id, IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ScriptJobs.Where(j => j.Id == id).Select(j => (int?)j.TaskCount).FirstOrDefaultAsync(ct) ?? throw ScriptJobException.NotFound();
    }

    private static ((int Task, PoolLogStream Stream) Query, IResult? Error) Parse(int taskCount, string? task, string? stream)
    {
        var index = 0;
        if (!string.IsNullOrWhiteSpace(task) && (!int.TryParse(task, NumberStyles.None, CultureInfo.InvariantCulture, out index) || index >= taskCount))
            return (default, LeaseProblems.Invalid("task", $"The task is an index from 0 to {taskCount - 1}."));
        PoolLogStream? which = stream?.Trim().ToLowerInvariant() switch
        {
            null or "" or "stdout" => PoolLogStream.Stdout,
            "stderr" => PoolLogStream.Stderr,
            _ => null,
        };
        return which is { } w ? ((index, w), null) : (default, LeaseProblems.Invalid("stream", "The stream is stdout or stderr."));
    }

    private static bool WantsEventStream(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase));
}
