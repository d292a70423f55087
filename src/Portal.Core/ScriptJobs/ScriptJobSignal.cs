namespace Portal.Core.ScriptJobs;

/// <summary>
/// Wakes the supervisor in this process at once (a launch, a cancel) instead of at its next poll. A web-only process
/// has no supervisor to wake: the worker's poll (<see cref="ScriptJobOptions.PollIntervalMs"/>) picks the change up.
/// </summary>
public sealed class ScriptJobSignal
{
    private readonly SemaphoreSlim wake = new(0, 1);

    public void Wake()
    {
        if (wake.CurrentCount == 0)
        {
            try { wake.Release(); }
            catch (SemaphoreFullException) { } // already awake: nothing to add
        }
    }

    /// <summary>Returns when woken or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct) => await wake.WaitAsync(timeout, ct);
}
