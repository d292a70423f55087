using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Portal.Core.ScriptJobs;
using Portal.Web.ApiKeys;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// The REST API of script jobs: launch and list on a lease (/api/v1/leases/{id}/jobs), read, cancel, follow logs and
/// metrics of one job (/api/v1/jobs/{id}). Cookie or API key: reads need the Read or Jobs scope, launch and cancel the
/// Jobs scope (a Member's power; Viewers read only). Another tenant's lease or job is a 404. JSON is camelCase, like the rest of /api/v1.
/// This class maps and describes the routes; the handlers are the <c>ScriptJob…Endpoints</c> classes.
/// </summary>
public static class ScriptJobApi
{
    public const string JobsBase = "/api/v1/jobs";

    public static string Job(Guid id) => $"{JobsBase}/{id}";

    public static WebApplication MapScriptJobApi(this WebApplication app)
    {
        var onLease = app.MapGroup("/api/v1/leases/{id:guid}/jobs").RequireAuthorization(ApiKeysWebExtensions.JobsPolicy).WithTags("Jobs")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        var jobs = app.MapGroup(JobsBase).RequireAuthorization(ApiKeysWebExtensions.JobsPolicy).WithTags("Jobs")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);

        var options = app.Services.GetRequiredService<IOptions<ScriptJobOptions>>().Value;
        onLease.MapPost("", ScriptJobLaunchEndpoints.LaunchAsync)
            .WithSummary("Launch a script job on an Active or Scheduled lease (Members)")
            .WithDescription("JSON body: `name`, `script` (bash, up to 1 MB), `gpusPerTask` (at most the lease's), `tasks` (default 1; " +
                             "each task gets its index in `PORTAL_TASK_INDEX`), `environment` (`[{name, value, secret}]`; secret values are " +
                             "write-only, masked in logs), `timeLimitMinutes` (per task; default: until the lease ends), `files` " +
                             "(`[{name, contentBase64}]`, up to 50 MB together, placed in the working directory), `retries` and " +
                             "`retryExitCodes` (empty: any non-zero code), `priority` (higher runs first), `profile` (the simulator's " +
                             "metric profile: busy, idle, oom). The job queues inside its lease. 201 with the job and its Location; 200 " +
                             "when the `Idempotency-Key` (up to 100 characters) was seen before in this lease: the same key creates one job. " +
                             "400 names the field at fault and creates nothing; a time limit past the lease's end is 400 `time_limit_past_lease_end` " +
                             "with `leaseEnd` and `links.extend`. A Scheduled lease's jobs wait for it to start.\n\n" +
                             "Or `multipart/form-data` (e.g. `curl -F job='{\"name\":\"train\",\"gpusPerTask\":1}' -F script=@train.sh " +
                             "-F files=@data.csv`): a `job` part with the JSON above, a `script` file, and `files` parts added to `files`.")
            // Both, or routing would send a form past this endpoint (the content type is part of the match).
            .Accepts<LaunchJobBody>("application/json", "multipart/form-data")
            .Produces<JobJson>(StatusCodes.Status201Created).Produces<JobJson>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithMetadata(new RequestSizeLimitAttribute(LaunchBodyLimit(options)));

        onLease.MapGet("", ScriptJobReadEndpoints.ListAsync)
            .WithSummary("List a lease's jobs, newest first")
            .WithDescription("Filters: `state` (Queued, Starting, Running, Succeeded, Failed, Cancelled, TimedOut, NodeFailed, LeaseEnded), " +
                             "`q` (words of the name). Paging: `page` (from 1) and `pageSize` (1 to 200, default 50).")
            .Produces<JobListJson>().ProducesValidationProblem();

        jobs.MapGet("/{id:guid}", ScriptJobReadEndpoints.GetAsync)
            .WithSummary("One job, with its tasks, why it waits, and its metrics summary once ended")
            .WithDescription("`tasks`: index, state, reason, exitCode, attempt, node, gpuIndexes, startedAt, endedAt, gpuSeconds. " +
                             "`wait` (only while Queued): position in the lease's line, GPUs needed and free, in words. `metrics` (once " +
                             "ended): mean utilisation, peak memory, GPU-hours and a warning about idle GPUs. `environment` lists secret " +
                             "variables with `value: null`: nobody can read a secret back.")
            .Produces<JobJson>();

        jobs.MapPost("/{id:guid}/cancel", ScriptJobLaunchEndpoints.CancelAsync)
            .WithSummary("Cancel a job (Members)")
            .WithDescription("Queued tasks end Cancelled at once; running ones get SIGTERM, then SIGKILL after a grace. A job that has " +
                             "already ended is answered as it is.")
            .Produces<JobJson>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);

        jobs.MapGet("/{id:guid}/logs", ScriptJobLogEndpoints.ReadAsync)
            .WithSummary("A task's stdout or stderr from a byte offset: polling, or live as Server-Sent Events")
            .WithDescription(ScriptJobLogEndpoints.Description)
            .Produces(StatusCodes.Status200OK, contentType: "text/plain")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesValidationProblem();

        jobs.MapGet("/{id:guid}/logs/download", ScriptJobLogEndpoints.DownloadAsync)
            .WithSummary("Download the kept log: one task's stream as text, or every task's stdout and stderr as a zip")
            .WithDescription("With `task` and/or `stream` (defaults 0 and stdout): that log as `text/plain`. Without either: a zip with " +
                             "`task-{index}.stdout.log` and `task-{index}.stderr.log` of every task. A log cut by the cap says so where it " +
                             "was cut; logs deleted after their retention download as a note saying so.")
            .Produces(StatusCodes.Status200OK, contentType: "text/plain")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesValidationProblem();

        jobs.MapGet("/{id:guid}/metrics", ScriptJobReadEndpoints.MetricsAsync)
            .WithSummary("The job's GPU samples (every 10 s, per task and GPU) with DCGM's field names")
            .WithDescription("Each sample: `at`, `task`, `gpu` (the node's GPU index), `DCGM_FI_DEV_GPU_UTIL` (percent), " +
                             "`DCGM_FI_DEV_FB_USED` (MiB), `DCGM_FI_DEV_POWER_USAGE` (watts), oldest first. `after` (ISO 8601 UTC, e.g. " +
                             "the previous answer's `nextAfter`) returns only newer samples.")
            .Produces<JobMetricsJson>().ProducesValidationProblem();
        return app;
    }

    /// <summary>
    /// The launch body's cap: the script (JSON may escape it up to twice its size), the input files in base64 (4/3) and
    /// a megabyte for the rest. Only the launch route gets it; every other API keeps the default.
    /// </summary>
    public static long LaunchBodyLimit(ScriptJobOptions options) =>
        2L * options.MaxScriptBytes + (options.MaxInputBytes + 2) / 3 * 4 + 1024 * 1024;
}
