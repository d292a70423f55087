namespace GpuPool.Simulator.Tasks;

/// <summary>The pool's task API under /pool/tasks (camelCase JSON, errors as {"error": {...}}).</summary>
public static class TaskEndpoints
{
    public const int MaxLogRead = 8 * 1024 * 1024;

    public sealed record CancelRequest(double? GraceSeconds);

    public sealed record StatusesRequest(string[]? Ids);

    public static void MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/pool/tasks");

        // ?open=true: only tasks not yet ended; ended ones are kept until the portal forgets them (its log retention).
        tasks.MapGet("", (bool? open, TaskBook book) => Results.Ok(book.List(openOnly: open == true)));

        // A long poll: answers {version} as soon as a task changed state after `after`, or after waitMs (at most 30 s).
        app.MapGet("/pool/task-changes", async (long? after, int? waitMs, TaskChanges changes, CancellationToken ct) =>
            Results.Ok(new { version = await changes.WaitAsync(after ?? -1, TimeSpan.FromMilliseconds(Math.Clamp(waitMs ?? 0, 0, 30_000)), ct) }));

        // The known ones of these tasks, open or ended (unknown ids are left out): a poller's whole view in one call.
        tasks.MapPost("/statuses", (StatusesRequest request, TaskBook book) =>
            Results.Ok((request.Ids ?? []).Distinct(StringComparer.Ordinal).Select(book.Find).OfType<TaskView>().ToList()));

        tasks.MapGet("/{taskId}", (string taskId, TaskBook book) => book.Find(taskId) is { } task ? Results.Ok(task) : Unknown(taskId));

        tasks.MapPut("/{taskId}", (string taskId, SubmitTaskRequest request, TaskBook book) =>
        {
            var (submission, error) = TaskSubmission.Parse(taskId, request);
            if (submission is null) return PoolErrors.BadRequest(error!);
            var outcome = book.Submit(submission);
            return outcome.Status switch
            {
                SubmitStatus.Started or SubmitStatus.Existing => Results.Ok(outcome.Task),
                SubmitStatus.NoReservation => PoolErrors.Conflict(outcome.Detail!, "no_reservation"),
                SubmitStatus.NodeNotReady => PoolErrors.Conflict(outcome.Detail!, "node_not_ready"),
                _ => PoolErrors.Conflict(outcome.Detail!, "insufficient_gpus"),
            };
        });

        // Deletes an ended task's folder and record (the portal calls it once it no longer needs them); 409 while it runs.
        tasks.MapDelete("/{taskId}", (string taskId, TaskBook book) => book.Forget(taskId) switch
        {
            ForgetStatus.Forgotten => Results.NoContent(),
            ForgetStatus.StillRunning => PoolErrors.Conflict($"Task {taskId} is still running; cancel it first.", "task_running"),
            _ => Unknown(taskId),
        });

        tasks.MapPost("/{taskId}/cancel", (string taskId, CancelRequest? request, TaskBook book) =>
        {
            var grace = request?.GraceSeconds ?? 10;
            if (grace < 0) return PoolErrors.BadRequest("graceSeconds must be 0 or more.");
            return book.Cancel(taskId, TimeSpan.FromSeconds(grace)) is { } task ? Results.Ok(task) : Unknown(taskId);
        });

        // Raw bytes; X-Log-Offset says where they start, X-Log-Complete whether the task ended and nothing follows them.
        // Streamed from the file (never a megabyte in memory per read), with its length announced.
        tasks.MapGet("/{taskId}/logs/{stream}", (string taskId, string stream, long? offset, int? max, TaskBook book, HttpResponse response) =>
        {
            if (stream is not ("stdout" or "stderr")) return PoolErrors.BadRequest("stream must be stdout or stderr.");
            if (offset is < 0 || max is < 1) return PoolErrors.BadRequest("offset must be 0 or more and max at least 1.");
            var from = offset ?? 0;
            if (book.OpenLog(taskId, stream, from, Math.Min(max ?? 1024 * 1024, MaxLogRead)) is not { } log) return Unknown(taskId);
            response.Headers["X-Log-Offset"] = from.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["X-Log-Complete"] = log.Complete ? "true" : "false";
            response.ContentLength = log.Count;
            return Results.Stream(async body =>
            {
                if (log.File is not { } file) return;
                await using (file) await CopyAsync(file, body, log.Count, response.HttpContext.RequestAborted);
            }, "application/octet-stream");
        });

        tasks.MapGet("/{taskId}/metrics", (string taskId, DateTime? after, TaskBook book) =>
            book.Samples(taskId, after?.ToUniversalTime()) is { } samples ? Results.Ok(samples) : Unknown(taskId));
    }

    static IResult Unknown(string taskId) => PoolErrors.NotFound($"No task {taskId}.");

    /// <summary>Exactly <paramref name="count"/> bytes (the length announced), through a pooled buffer under the large-object size.</summary>
    static async Task CopyAsync(Stream from, Stream to, int count, CancellationToken ct)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            for (var left = count; left > 0;)
            {
                var read = await from.ReadAsync(buffer.AsMemory(0, Math.Min(left, buffer.Length)), ct);
                if (read == 0) throw new EndOfStreamException("The log is shorter than announced."); // logs only grow
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
                left -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
