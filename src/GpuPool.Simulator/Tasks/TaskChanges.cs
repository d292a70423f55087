namespace GpuPool.Simulator.Tasks;

/// <summary>
/// A counter of task state changes (starts and ends) that callers can wait on: the portal long-polls it, so the next
/// queued job starts as soon as a task ends instead of at the portal's next poll.
/// </summary>
public sealed class TaskChanges
{
    private readonly Lock gate = new();
    private long version;
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Version
    {
        get { lock (gate) return version; }
    }

    public void Bump()
    {
        TaskCompletionSource done;
        lock (gate)
        {
            version++;
            (done, next) = (next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        done.SetResult();
    }

    /// <summary>The version once it is past <paramref name="after"/>, or the current one after <paramref name="wait"/>.</summary>
    public async Task<long> WaitAsync(long after, TimeSpan wait, CancellationToken ct)
    {
        Task changed;
        lock (gate)
        {
            if (version > after || wait <= TimeSpan.Zero) return version;
            changed = next.Task;
        }
        try { await changed.WaitAsync(wait, ct); }
        catch (TimeoutException) { }
        return Version;
    }
}
