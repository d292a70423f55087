using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// A task's log as Server-Sent Events, followed live until the task ends (the format is in
/// <see cref="ScriptJobLogEndpoints.Description"/>). Each event's id is the byte offset after it, so a reconnect with
/// Last-Event-ID resumes exactly. It reads the portal's kept log, never the pool, so any number of readers cost the pool
/// nothing; each holds at most one chunk in memory.
/// </summary>
internal static class ScriptJobLogStream
{
    public const int ChunkBytes = 64 * 1024;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task FollowAsync(HttpContext http, ScriptJobLogs logs, Guid jobId, int task, PoolLogStream stream, long offset,
        CancellationToken ct)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no"; // a reverse proxy must not hold the events back
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var body = response.Body;
        await WriteAsync(body, "retry: 2000\n\n", ct);
        var quiet = Stopwatch.StartNew();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Null: the job is gone (purged, or no longer visible): the stream ends as if complete.
                var chunk = await logs.ReadAsync(jobId, task, stream, offset, ChunkBytes, ct);
                var (length, complete) = chunk is null ? (0, true) : LogChunks.Whole(chunk, ChunkBytes);
                if (length > 0)
                {
                    offset = chunk!.Offset + length;
                    await WriteAsync(body, LogEvent(chunk.Offset, chunk.Data.AsSpan(0, length), offset), ct);
                    quiet.Restart();
                }
                if (complete)
                {
                    var end = JsonSerializer.Serialize(new { offset, complete = true, truncated = chunk?.Truncated ?? false, note = chunk?.Note });
                    await WriteAsync(body, $"event: end\nid: {offset.ToString(CultureInfo.InvariantCulture)}\ndata: {end}\n\n", ct);
                    return;
                }
                if (length > 0) continue; // more may be there already: read on without waiting
                if (quiet.Elapsed >= Heartbeat)
                {
                    await WriteAsync(body, ": keep-alive\n\n", ct);
                    quiet.Restart();
                }
                // Wall-clock wait (not the portal's TimeProvider): this paces a socket, not business time.
                await Task.Delay(Poll, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The reader went away; it resumes with Last-Event-ID.
        }
    }

    /// <summary>One <c>log</c> event: one data line of JSON, so that newlines in the log cannot break the event.</summary>
    public static string LogEvent(long start, ReadOnlySpan<byte> data, long next)
    {
        var valid = Utf8.IsValid(data);
        var json = JsonSerializer.Serialize(new LogEventData(start, next, Encoding.UTF8.GetString(data), valid ? null : Convert.ToBase64String(data)));
        return $"event: log\nid: {next.ToString(CultureInfo.InvariantCulture)}\ndata: {json}\n\n";
    }

    private static async Task WriteAsync(Stream body, string text, CancellationToken ct)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
        await body.FlushAsync(ct);
    }

    private sealed record LogEventData(
        [property: System.Text.Json.Serialization.JsonPropertyName("offset")] long Offset,
        [property: System.Text.Json.Serialization.JsonPropertyName("nextOffset")] long NextOffset,
        [property: System.Text.Json.Serialization.JsonPropertyName("text")] string Text,
        [property: System.Text.Json.Serialization.JsonPropertyName("bytesBase64"),
                   System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        string? BytesBase64);
}
