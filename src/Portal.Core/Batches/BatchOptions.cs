namespace Portal.Core.Batches;

/// <summary>The <c>Batches</c> section of the configuration.</summary>
public sealed class BatchOptions
{
    public int MaxLines { get; set; } = 50_000;
    public long MaxFileBytes { get; set; } = 200L * 1024 * 1024;
    /// <summary>How long output and error files are kept after a batch finishes.</summary>
    public int OutputRetentionDays { get; set; } = 30;

    /// <summary>The longest line (one request) accepted, in bytes; it bounds the runner's memory per request in flight.</summary>
    public int MaxLineBytes { get; set; } = 8 * 1024 * 1024;
    /// <summary>
    /// Requests in flight at once per model server (deployments that resolve to one base URL count once). The
    /// simulator's chat servers answer 429 beyond 8 concurrent requests, so more only turns into retries there.
    /// </summary>
    public int ConcurrencyPerDeployment { get; set; } = 8;
    /// <summary>Tries per line (the first and the retries of 429, 5xx and lost connections) before the line fails.</summary>
    public int MaxAttemptsPerLine { get; set; } = 5;
    /// <summary>The first backoff; it doubles per retry (with jitter) up to <see cref="MaxRetryDelaySeconds"/>, unless Retry-After says more.</summary>
    public int RetryBaseDelayMs { get; set; } = 1000;
    public int MaxRetryDelaySeconds { get; set; } = 60;
    /// <summary>A Retry-After longer than this is cut to it (a misconfigured server must not park a line for a day).</summary>
    public int MaxRetryAfterSeconds { get; set; } = 600;
    /// <summary>How long one request may take before it counts as a lost connection (and is retried).</summary>
    public int RequestTimeoutSeconds { get; set; } = 600;
    /// <summary>
    /// A checkpoint after this many finished lines, or after <see cref="CheckpointIntervalMs"/>, whichever first. The
    /// interval is what bounds the work re-sent after a crash; the line count only caps it on very fast servers (each
    /// checkpoint is an fsync and a transaction: at 1,000 lines the runner lost ~10 % of its rate to them at 12,000 lines/s).
    /// </summary>
    public int CheckpointEveryLines { get; set; } = 10_000;
    public int CheckpointIntervalMs { get; set; } = 1000;
    /// <summary>On cancel (or expiry), how long requests already sent may still finish before they are abandoned.</summary>
    public int CancelGraceSeconds { get; set; } = 30;
    /// <summary>The sweep restarts a validating or running batch whose job shows no sign of life for this long.</summary>
    public int StalledAfterSeconds { get; set; } = 120;
}
