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
/// Locks inside the process, by lease (LifecyclePool reserves a lease's allocations in parallel, and two nodes joining
/// one reservation at once would each write <c>Nodes=</c> without the other) and by task. A fixed set of stripes, so
/// the locks of past leases and tasks do not pile up; two keys sharing a stripe only wait for each other.
/// </summary>
public sealed class SlurmLocks
{
    // One table per driver, not static: two portals in one process (tests) must not share a gate.
    private readonly SemaphoreSlim[] stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<IDisposable> TakeAsync(string key, CancellationToken ct)
    {
        var gate = stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % stripes.Length)];
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
