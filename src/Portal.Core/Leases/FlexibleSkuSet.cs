using Microsoft.EntityFrameworkCore;
using Portal.Core.Catalog;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>
/// Reads a flexible request's acceptable set: the named SKUs (each must exist and have nodes in the region) and/or every SKU of the
/// region with enough GPU memory. Every problem is named, attributed to its field; an empty set is refused.
/// </summary>
public static class FlexibleSkuSet
{
    public static async Task<(List<GpuSku> Skus, List<SetError> Errors)> ResolveAsync(PortalDbContext db, FlexibleLeaseRequest request,
        LeaseOptions options, DateTime now, CancellationToken ct)
    {
        var errors = request.For("sku").Validate(options, now).Select(m => new SetError("request", m)).ToList();
        var named = request.SkuIds.Select(s => s?.Trim() ?? "").Distinct().ToList();
        if (named.Count == 0 && request.MinGpuMemoryGb is null)
            errors.Add(new("skus", "Name the acceptable GPU types, a minimum memory per GPU, or both."));
        if (named.Any(string.IsNullOrEmpty)) errors.Add(new("skus", "A GPU SKU in the list is empty."));
        if (named.Count > FlexibleLeaseRequest.MaxSkus) errors.Add(new("skus", $"Name at most {FlexibleLeaseRequest.MaxSkus} GPU SKUs."));
        if (request.MinGpuMemoryGb is < 1 or > 10_000) errors.Add(new("minGpuMemoryGb", "The minimum GPU memory must be between 1 and 10,000 GB."));
        if (!await db.Regions.AnyAsync(r => r.Id == request.RegionId && r.RetiredAt == null, ct))
            errors.Add(new("region", $"There is no region '{request.RegionId}'."));
        if (errors.Count > 0) return ([], errors);

        // The region's SKUs: those with nodes there (in any state), not retired.
        var inRegion = await db.GpuSkus.AsNoTracking()
            .Where(s => s.RetiredAt == null && db.Nodes.Any(n => n.RegionId == request.RegionId && n.SkuId == s.Id))
            .OrderBy(s => s.Id).ToListAsync(ct);
        var known = named.Count == 0 ? []
            : await db.GpuSkus.Where(s => named.Contains(s.Id) && s.RetiredAt == null).Select(s => s.Id).ToListAsync(ct);
        foreach (var id in named)
            if (!known.Contains(id)) errors.Add(new("skus", $"There is no GPU SKU '{id}'."));
            else if (inRegion.All(s => s.Id != id)) errors.Add(new("skus", $"There are no '{id}' nodes in {request.RegionId}."));
        if (errors.Count > 0) return ([], errors);

        var set = inRegion.Where(s => (named.Count == 0 || named.Contains(s.Id))
                                      && (request.MinGpuMemoryGb is not { } gb || s.MemoryGbPerGpu >= gb)).ToList();
        if (set.Count == 0)
            errors.Add(named.Count == 0
                ? new("minGpuMemoryGb", $"No GPU type in {request.RegionId} has {request.MinGpuMemoryGb} GB or more per GPU.")
                : new("minGpuMemoryGb", $"None of {string.Join(", ", named)} has {request.MinGpuMemoryGb} GB or more per GPU."));
        return (set, errors);
    }
}
