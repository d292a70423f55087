namespace Portal.Core.Batches;

/// <summary>
/// Cancelled when the next checkpoint is due by time (or the run is cancelled). One timer per checkpoint, not one
/// per wait: results arrive thousands of times a second, and arming a timer for each wait cost the runner CPU.
/// </summary>
internal sealed class BatchCheckpointDue : IDisposable
{
    private readonly CancellationTokenSource timer, linked;

    public BatchCheckpointDue(TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        timer = new CancellationTokenSource(interval, time);
        linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
    }

    public CancellationToken Token => linked.Token;
    public bool IsDue => linked.IsCancellationRequested;

    public void Dispose()
    {
        linked.Dispose();
        timer.Dispose();
    }
}
