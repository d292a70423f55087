using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Tenancy;

namespace Portal.Core.Batches;

public sealed partial class BatchService
{
    public const int MaxMetadataPairs = 16;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 512;

    /// <summary>The request's rules, as OpenAI's; returns the metadata as JSON (or null).</summary>
    private static string? CheckRequest(BatchRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.InputFileId)) throw BatchException.Invalid("Missing required parameter: 'input_file_id'.", "input_file_id");
        if (string.IsNullOrWhiteSpace(r.Endpoint)) throw BatchException.Invalid("Missing required parameter: 'endpoint'.", "endpoint");
        if (!Endpoints.Contains(r.Endpoint))
            throw BatchException.Invalid($"Invalid value for 'endpoint': '{r.Endpoint}'. Supported values are: {string.Join(", ", Endpoints.Select(e => $"'{e}'"))}.", "endpoint");
        if (string.IsNullOrWhiteSpace(r.CompletionWindow))
            throw BatchException.Invalid("Missing required parameter: 'completion_window'. Use \"24h\".", "completion_window");
        if (r.CompletionWindow != CompletionWindow)
            throw BatchException.Invalid($"Invalid value for 'completion_window': '{r.CompletionWindow}'. Supported values are: '24h'.", "completion_window");
        if (r.Metadata is not { Count: > 0 } metadata) return null;
        if (metadata.Count > MaxMetadataPairs)
            throw BatchException.Invalid($"'metadata' may have at most {MaxMetadataPairs} pairs; it has {metadata.Count}.", "metadata");
        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 or > MaxMetadataKeyLength)
                throw BatchException.Invalid($"Metadata keys are 1 to {MaxMetadataKeyLength} characters; '{Short(key)}' is not.", "metadata");
            if (value is null || value.Length > MaxMetadataValueLength)
                throw BatchException.Invalid($"Metadata values are strings of at most {MaxMetadataValueLength} characters; the value of '{key}' is not.", "metadata");
        }
        return JsonSerializer.Serialize(metadata);
    }

    private static string Short(string s) => s.Length > 70 ? s[..70] + "…" : s;

    /// <summary>
    /// Suspended organisations and those at their spend limit start nothing. The limit is the lease spend limit: open
    /// lease commitments (<see cref="LeaseService.CommittedMicrosAsync"/>) plus what batches cost this calendar month
    /// (UTC). A batch's cost is not known before it runs, so a batch is refused only when that sum has reached the limit.
    /// </summary>
    private async Task EnsureCanSpendAsync(PortalDbContext db, CancellationToken ct)
    {
        try { await tenant.EnsureCanSpendAsync(db, ct); }
        catch (TenantActionRefusedException e) { throw new BatchException(403, e.Message, code: "tenant_suspended"); }

        var tenantId = tenant.TenantId!.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var limit = await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.SpendLimitMicros).FirstOrDefaultAsync(ct)
                    ?? leaseOptions.Value.DefaultSpendLimitMicros;
        var used = await LeaseService.CommittedMicrosAsync(db, tenantId, now, ct) + await BatchCostThisMonthAsync(db, now, ct);
        if (used >= limit)
            throw new BatchException(403,
                $"Your organisation has reached its spend limit of {Money.Format(limit)} ({Money.Format(used)} in open leases and this month's batches). Ask Support to raise it.",
                code: "spend_limit_exceeded", type: "insufficient_quota");
    }

    /// <summary>What the organisation's batches created this calendar month (UTC) have cost so far.</summary>
    public static Task<long> BatchCostThisMonthAsync(PortalDbContext db, DateTime now, CancellationToken ct)
    {
        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        return db.Batches.Where(b => b.CreatedAt >= monthStart).SumAsync(b => b.CostMicros, ct);
    }
}
