namespace Portal.Core.Batches;

/// <summary>Support's filters over every tenant's batches; <see cref="Tenant"/> matches a tenant's name or slug.</summary>
public sealed record AdminBatchQuery(BatchStatus? Status = null, Guid? TenantId = null, string? Tenant = null, int Page = 1, int PageSize = 25);

/// <summary>One batch in Support's list.</summary>
public sealed record AdminBatchRow(string Id, Guid TenantId, string TenantName, BatchStatus Status, string Endpoint, string? Model,
    int Total, int Completed, int Failed, long CostMicros, DateTime CreatedAt);

/// <summary>A batch as Support opens it, with whose it is, its input file's name and who created it.</summary>
public sealed record AdminBatchDetail(Batch Batch, string TenantName, string TenantSlug, string? InputFilename, string? CreatedBy)
{
    public bool CanCancel => BatchAdminService.CancellableStatuses.Contains(Batch.Status);
}

/// <summary>Audit actions and notification kinds of Support's batch administration.</summary>
public static class BatchAdminActions
{
    public const string BatchTarget = "Batch";
    public const string Viewed = "batch.viewed";
    public const string CancelledBySupport = "batch.cancelled_by_support";
    public const string CancelledNotification = "batch.cancelled";
}
