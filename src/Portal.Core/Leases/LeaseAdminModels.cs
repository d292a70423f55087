namespace Portal.Core.Leases;

/// <summary>Support's filters over every tenant's leases; <see cref="Tenant"/> matches a tenant's name or slug.</summary>
public sealed record AdminLeaseQuery(LeaseState? State = null, Guid? TenantId = null, string? Tenant = null,
    string? SkuId = null, string? RegionId = null, int Page = 1, int PageSize = 25);

/// <summary>
/// One lease in Support's lists. <see cref="State"/> is what the tenant sees: a hold past its expiry reads
/// Expired even before the sweep releases it.
/// </summary>
public sealed record AdminLeaseRow(Guid Id, Guid TenantId, string TenantName, string RegionId, string SkuId, int Gpus,
    DateTime Start, DateTime End, LeaseState State, bool Degraded, long PriceMicros, DateTime CreatedAt,
    DateTime? SignedAt, string? SignerName);

/// <summary>A lease as Support opens it: with its allocations, amendments and timeline, and whose it is.</summary>
public sealed record AdminLeaseDetail(Lease Lease, string TenantName, string TenantSlug, string SkuName, string RegionName, LeaseState State)
{
    public bool CanApprove => State == LeaseState.PendingApproval;
    /// <summary>Why Approve is off although the lease waits for Support (amended terms are out), or null.</summary>
    public string? ApproveWaitsFor => CanApprove ? Deals.LeaseOfferStateMachine.ApproveRefusal(Lease) : null;
    public bool CanReject => State == LeaseState.PendingApproval;
    /// <summary>A lease waiting for approval is rejected rather than terminated (the service accepts either).</summary>
    public bool CanTerminate => State != LeaseState.PendingApproval && LeaseAdminDecisions.TerminableStates.Contains(State);
}

/// <summary>
/// A tenant's spend ceiling (the highest monthly limit its Owners may set) and GPU quotas: the ones Support set, or the
/// defaults from configuration for a verified or unverified tenant; with the month's spend against the Owners' limit.
/// </summary>
public sealed record TenantLimits(Guid TenantId, bool Verified, long? SpendCeilingMicros, long DefaultSpendCeilingMicros, Spend.MonthSpend Month,
    int DefaultGpuQuota, IReadOnlyList<SkuQuotaRow> Quotas)
{
    public long EffectiveSpendCeilingMicros => SpendCeilingMicros ?? DefaultSpendCeilingMicros;
}

/// <summary>One SKU's quota for a tenant: <see cref="MaxGpus"/> null means the default applies.</summary>
public sealed record SkuQuotaRow(string SkuId, string SkuName, int? MaxGpus, int DefaultMaxGpus)
{
    public int EffectiveMaxGpus => MaxGpus ?? DefaultMaxGpus;
}

/// <summary>Audit actions of Support's lease administration.</summary>
public static class LeaseAdminActions
{
    public const string LeaseTarget = "Lease";
    public const string TenantTarget = "Tenant";
    public const string Viewed = "lease.viewed";
    public const string Approved = "lease.approved";
    public const string Rejected = "lease.rejected";
    public const string Terminated = "lease.terminated";
    public const string SpendCeilingSet = "tenant.spend_ceiling_set";
    public const string GpuQuotaSet = "tenant.gpu_quota_set";
    public const string Verified = "tenant.verified";
    public const string Unverified = "tenant.unverified";

    /// <summary>The notification kind for an approval decided either way.</summary>
    public const string ApprovalNotification = "lease.approval";
    public const string TerminatedNotification = "lease.terminated";

    /// <summary>How Support appears on a tenant's lease timeline (the staff member is in the audit log).</summary>
    public const string SupportActor = "Support";

    /// <summary>How a lease is named in the audit log.</summary>
    internal static string Describe(Lease l) => $"{l.Gpus} × {l.SkuId} in {l.RegionId}";
}
