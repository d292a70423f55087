namespace GpuPool.Simulator.Tasks;

/// <summary>
/// Wakes the <see cref="TaskWatcher"/> as soon as a task's process exits (the runtime's exit event for the wrappers this
/// pool started), so a task's end is recorded, and the portal's long poll answered, without waiting for the next look.
/// Re-attached tasks (no process handle) are still found by the watcher's regular look.
/// </summary>
public sealed class TaskExits
{
    private readonly SemaphoreSlim exited = new(0, 1);

    public void Poke()
    {
        if (exited.CurrentCount > 0) return;
        try { exited.Release(); }
        catch (SemaphoreFullException) { } // already poked: one look sees every exit so far
    }

    /// <summary>Returns when a process exited or after <paramref name="interval"/>.</summary>
    public Task WaitAsync(TimeSpan interval, CancellationToken ct) => exited.WaitAsync(interval, ct);
}
