namespace GpuPool.Simulator.Faults;

public enum FaultKind
{
    /// <summary>The next reservations fail (503 reservation_failed).</summary>
    FailReservations,
    /// <summary>The next inference requests get 429 rate_limit_exceeded.</summary>
    RateLimit,
    /// <summary>The next inference requests get 500 server_error.</summary>
    ServerError,
    /// <summary>The next inference requests wait DelayMs first (while holding a concurrency slot).</summary>
    Slow,
    /// <summary>The next inference requests lose their connection without an answer.</summary>
    Drop,
}

/// <summary>A fault armed for the next Count matching requests; Model null matches every model.</summary>
public sealed record Fault(FaultKind Kind, int Count, string? Model, int DelayMs);

/// <summary>Armed faults, consumed one request at a time.</summary>
public sealed class FaultBook
{
    readonly Lock _gate = new();
    readonly List<Fault> _faults = [];

    public void Arm(Fault fault)
    {
        lock (_gate) _faults.Add(fault);
    }

    public void Clear()
    {
        lock (_gate) _faults.Clear();
    }

    public Fault[] List()
    {
        lock (_gate) return [.. _faults];
    }

    public bool TryTakeReservationFailure() => TryTake(f => f.Kind == FaultKind.FailReservations) is not null;

    public Fault? TryTakeInferenceFault(string model) =>
        TryTake(f => f.Kind != FaultKind.FailReservations && (f.Model is null || f.Model == model));

    Fault? TryTake(Func<Fault, bool> matches)
    {
        lock (_gate)
        {
            var index = _faults.FindIndex(f => matches(f));
            if (index < 0) return null;
            var fault = _faults[index];
            if (fault.Count <= 1) _faults.RemoveAt(index);
            else _faults[index] = fault with { Count = fault.Count - 1 };
            return fault;
        }
    }
}
