using Portal.Core.Catalog;

namespace Portal.Core.Leases;

/// <summary>
/// A lease request that accepts any of several GPU types in one region: the named <see cref="SkuIds"/>, or every type of the
/// region with at least <see cref="MinGpuMemoryGb"/> per GPU, or the named types that have that much. <see cref="FlexibleSkuChoice"/>
/// picks one by <see cref="SkuChoice.Rule"/>.
/// </summary>
public sealed record FlexibleLeaseRequest(string RegionId, IReadOnlyList<string> SkuIds, int? MinGpuMemoryGb, int Gpus, DateTime Start, int Hours)
{
    public const int MaxSkus = 20;

    /// <summary>The plain request for one SKU of the set.</summary>
    public LeaseRequest For(string skuId) => new(RegionId, skuId, Gpus, Start, Hours);
}

/// <summary>What is wrong with a flexible request's set, attributed to the field it is about (<c>skus</c> or <c>minGpuMemoryGb</c>).</summary>
public sealed record SetError(string Field, string Message);

/// <summary>One acceptable SKU as the chooser saw it: its price for the request, whether it fits, and its GPUs free all through the window.</summary>
public sealed record SkuCandidate(string SkuId, string SkuName, int MemoryGbPerGpu, LeasePrice Price, bool Fits, int FreeGpus);

/// <summary>
/// The acceptable SKUs of a flexible request in the order the rule ranks them (those that fit first, cheapest first,
/// then most GPUs free), and the one chosen: the first that fits, if any.
/// </summary>
public sealed record SkuChoice(IReadOnlyList<SkuCandidate> Candidates)
{
    /// <summary>The rule, as the New lease page and the API reference state it.</summary>
    public const string Rule = "the lowest total price that fits the window; on a tie, the type with the most GPUs free over the window, " +
                               "so that scarcer types stay for those who need them";

    public SkuCandidate? Chosen => Candidates.FirstOrDefault(c => c.Fits);

    /// <summary>The acceptable SKU ids as a lease stores them (<see cref="Lease.ChosenFromSkuIds"/>): ordinal order, comma-separated.</summary>
    public string Stored => Store(Candidates.Select(c => c.SkuId));

    public static string Store(IEnumerable<string> skuIds) => string.Join(",", skuIds.Order(StringComparer.Ordinal));

    /// <summary>The acceptable names, cheapest first.</summary>
    public string Names => string.Join(", ", Candidates.OrderBy(c => c.Price.TotalMicros).ThenBy(c => c.SkuId, StringComparer.Ordinal)
        .Select(c => c.SkuName));

    /// <summary>"Chosen: H200 141 GB (cheapest that fits of H100 SXM 80 GB, H200 141 GB; H100 SXM 80 GB is not free for that window)."</summary>
    public string Reason
    {
        get
        {
            if (Chosen is not { } chosen) return $"None of {Names} is free for that window.";
            var notes = new List<string>();
            var full = Candidates.Where(c => !c.Fits).Select(c => c.SkuName).ToList();
            if (full.Count > 0) notes.Add($"{string.Join(", ", full)} {(full.Count == 1 ? "is" : "are")} not free for that window");
            var tied = Candidates.Where(c => c.Fits && c != chosen && c.Price.TotalMicros == chosen.Price.TotalMicros).Select(c => c.SkuName).ToList();
            if (tied.Count > 0) notes.Add($"as cheap as {string.Join(", ", tied)}, with the most GPUs free");
            var rule = Candidates.Count == 1 ? "the only type named" : $"cheapest that fits of {Names}";
            return $"Chosen: {chosen.SkuName} ({rule}{string.Concat(notes.Select(n => "; " + n))}).";
        }
    }

    /// <summary>The same choice after <paramref name="skuId"/> was taken by someone else while quoting: the next in line is chosen.</summary>
    public SkuChoice Taken(string skuId) =>
        new([.. Candidates.Where(c => c.SkuId != skuId), .. Candidates.Where(c => c.SkuId == skuId).Select(c => c with { Fits = false })]);

    /// <summary>Ranks candidates by <see cref="Rule"/>; the SKU id breaks a last tie so the answer never depends on read order.</summary>
    public static SkuChoice Rank(IEnumerable<SkuCandidate> candidates) =>
        new([.. candidates.OrderByDescending(c => c.Fits).ThenBy(c => c.Price.TotalMicros).ThenByDescending(c => c.FreeGpus)
            .ThenBy(c => c.SkuId, StringComparer.Ordinal)]);

    public static SkuCandidate Candidate(GpuSku sku, int gpus, int hours, bool fits, int freeGpus) =>
        new(sku.Id, sku.Name, sku.MemoryGbPerGpu, LeasePrice.For(sku, gpus, hours), fits, freeGpus);
}
