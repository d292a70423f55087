using System.Text.Json.Serialization;

namespace Portal.Web.ScriptJobs;

// What the script-job API reads. Names are camelCase, like the rest of /api/v1 (the OpenAPI document shows
// what the API really takes); every field is nullable so that a missing one is a validation problem naming it.

/// <summary>
/// A job to launch on a lease. Required: <c>name</c>, <c>script</c>, <c>gpusPerTask</c>. Defaults: 1 task, no time
/// limit (until the lease ends), no retries, priority 0.
/// </summary>
public sealed record LaunchJobBody(
    string? Name,
    string? Script,
    int? GpusPerTask,
    int? Tasks,
    IReadOnlyList<JobVariableBody?>? Environment,
    int? TimeLimitMinutes,
    IReadOnlyList<JobFileBody?>? Files,
    int? Retries,
    IReadOnlyList<int>? RetryExitCodes,
    int? Priority,
    string? Profile);

/// <summary>An environment variable; <c>secret: true</c> makes it write-only (never shown again, masked in logs).</summary>
public sealed record JobVariableBody(string? Name, string? Value, bool? Secret);

/// <summary>An input file placed in each task's working directory: a plain file name and its bytes in base64.</summary>
public sealed record JobFileBody(string? Name, byte[]? ContentBase64);
