namespace Portal.Core.Pool.Slurm;

/// <summary>One reservation as <c>scontrol show res -o</c> tells it (times in UTC: the tools run with TZ=UTC).</summary>
public sealed record SlurmReservation(string Name, DateTime? Start, DateTime? End, IReadOnlyList<string> Nodes, string Accounts, string State)
{
    /// <summary>The reservation of a lease: one per lease, named after it.</summary>
    public static string NameOf(Guid leaseId) => $"lease-{leaseId:N}";

    public static SlurmReservation From(Dictionary<string, string> record) => new(
        record["ReservationName"],
        SlurmText.ParseTime(record.GetValueOrDefault("StartTime")),
        SlurmText.ParseTime(record.GetValueOrDefault("EndTime")),
        SlurmText.ExpandHostList(record.GetValueOrDefault("Nodes")),
        record.GetValueOrDefault("Accounts", ""),
        record.GetValueOrDefault("State", ""));

    public static IReadOnlyList<SlurmReservation> ParseAll(string text) =>
        [.. SlurmText.ParseRecords(text).Where(r => r.ContainsKey("ReservationName")).Select(From)];
}

/// <summary>
/// One lock per lease inside the process: LifecyclePool reserves a lease's allocations in parallel, and two nodes
/// joining one reservation at once would each write <c>Nodes=</c> without the other.
/// </summary>
public static class SlurmLeaseLocks
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Locks = new();

    public static async Task<IDisposable> TakeAsync(string key, CancellationToken ct)
    {
        var gate = Locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) gate.Release();
        }
    }
}
