namespace Portal.Core.ScriptJobs;

/// <summary>An environment variable of a job; a secret one is write-only (never shown, masked in logs).</summary>
public sealed record JobVariable(string Name, string Value, bool Secret = false);

/// <summary>A small input file placed in each task's working directory (a plain file name).</summary>
public sealed record JobInputFile(string Name, byte[] Content);

/// <summary>
/// What a member asks to run on a lease (page and API). Defaults: 1 task, no time limit (until the lease ends),
/// no retries (retries on every non-zero exit code when <see cref="RetryExitCodes"/> is empty), priority 0.
/// </summary>
public sealed record ScriptJobRequest(
    string Name,
    string Script,
    int GpusPerTask,
    int Tasks = 1,
    IReadOnlyList<JobVariable>? Variables = null,
    int? TimeLimitMinutes = null,
    IReadOnlyList<JobInputFile>? Files = null,
    int Retries = 0,
    IReadOnlyList<int>? RetryExitCodes = null,
    int Priority = 0,
    string? Profile = null,
    string? IdempotencyKey = null);

/// <summary>Filters of a job list (page and API); all optional.</summary>
public sealed record ScriptJobFilter(ScriptJobState? State = null, string? Search = null, int Page = 1, int PageSize = 50);

/// <summary>A page of jobs, newest first.</summary>
public sealed record ScriptJobPage(IReadOnlyList<ScriptJob> Items, int Total);

/// <summary>
/// Bytes of a job task's kept log from <see cref="Offset"/>; <see cref="Complete"/> when the task ended and all is here;
/// <see cref="Note"/> says why there is nothing (the logs were deleted after retention).
/// </summary>
public sealed record JobLogChunk(long Offset, byte[] Data, bool Complete, bool Truncated, string? Note = null);

/// <summary>A read into the caller's buffer: <see cref="Count"/> bytes from <see cref="Offset"/>, as <see cref="JobLogChunk"/> says.</summary>
public sealed record JobLogRead(long Offset, int Count, bool Complete, bool Truncated, string? Note = null);

/// <summary>Why a queued job waits and where it is in line ("waiting for 4 GPUs; 2 free in this lease; 3rd in line").</summary>
public sealed record JobWait(int Position, int GpusNeeded, int GpusFree, string Text);
