using Portal.Core.Capacity;

namespace Portal.Core.Leases;

/// <summary>What a tenant asks for: GPUs of a SKU in a region from a whole UTC hour for some hours.</summary>
public sealed record LeaseRequest(string RegionId, string SkuId, int Gpus, DateTime Start, int Hours)
{
    /// <summary>
    /// A bound on the input only, above any region's size: a lease may take every free GPU of a region. What one organisation
    /// may hold is its GPU quota (<see cref="GpuQuota"/>), which Support raises for a whole-data-centre deal.
    /// </summary>
    public const int MaxGpus = 1_000_000;

    public DateTime End => Start.AddHours(Hours);

    /// <summary>A flexible request's acceptable SKUs (<see cref="Lease.ChosenFromSkuIds"/>) <see cref="SkuId"/> was chosen from; null otherwise.</summary>
    public string? ChosenFrom { get; init; }
    /// <summary>Why <see cref="SkuId"/> was chosen, for the lease's timeline.</summary>
    public string? ChoiceNote { get; init; }

    /// <param name="wholeNodes">The region leases whole nodes (<see cref="Pool.PoolOptions.WholeNodesOnly"/>).</param>
    public PlacementRequest ToPlacement(bool wholeNodes = false) => new(RegionId, SkuId, Gpus, Start, End) { WholeNodes = wholeNodes };

    /// <summary>Messages for what is wrong with the request at <paramref name="now"/>; empty when it is valid.</summary>
    public List<string> Validate(LeaseOptions o, DateTime now)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(RegionId)) errors.Add("Choose a region.");
        if (string.IsNullOrWhiteSpace(SkuId)) errors.Add("Choose a GPU type.");
        if (Gpus < 1) errors.Add("Lease at least 1 GPU.");
        if (Gpus > MaxGpus) errors.Add($"Lease at most {MaxGpus:N0} GPUs at once.");
        if (Hours < o.MinHours || Hours > o.MaxHours)
            errors.Add($"The duration must be between {o.MinHours} hour and {o.MaxHours / 24} days ({o.MaxHours} hours).");
        if (!CapacityTime.IsWholeUtcHour(Start)) errors.Add("The start must be a whole hour (UTC).");
        var thisHour = CancellationPolicy.FloorHour(now);
        if (Start < thisHour) errors.Add("The start is in the past: choose now or a later hour.");
        if (Start > thisHour.AddDays(o.MaxStartWeeksAhead * 7))
            errors.Add($"The start may be at most {o.MaxStartWeeksAhead} weeks ahead.");
        return errors;
    }
}
