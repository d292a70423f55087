namespace Portal.Core.Leases;

/// <summary>The <c>Leases</c> configuration section.</summary>
public sealed class LeaseOptions
{
    /// <summary>How long a quote holds its capacity.</summary>
    public int HoldMinutes { get; set; } = 10;
    /// <summary>How far ahead a lease may start.</summary>
    public int MaxStartWeeksAhead { get; set; } = 8;
    public int MinHours { get; set; } = 1;
    public int MaxHours { get; set; } = 182 * 24;
    /// <summary>Leases of more GPUs than this go to Support for approval.</summary>
    public int ApprovalGpuThreshold { get; set; } = 64;
    /// <summary>Leases priced above this (micro-dollars) go to Support for approval: $50,000.</summary>
    public long ApprovalMicrosThreshold { get; set; } = 50_000_000_000;
    /// <summary>GPUs of one SKU a tenant may hold at once unless Support set a quota.</summary>
    public int DefaultGpuQuota { get; set; } = 256;
    /// <summary>The default quota of a tenant Support has not verified yet (never above <see cref="DefaultGpuQuota"/>).</summary>
    public int UnverifiedGpuQuota { get; set; } = 8;
    /// <summary>Quotes (lease and extension holds) a tenant may have open at once.</summary>
    public int MaxOpenHolds { get; set; } = 3;
    /// <summary>Quotes a tenant may ask for per minute (the fit check is not counted).</summary>
    public int QuotesPerMinute { get; set; } = 10;
    /// <summary>Provisioning starts this long before a lease's start.</summary>
    public int ProvisionLeadMinutes { get; set; } = 2;
    public int MaxProvisionAttempts { get; set; } = 6;
    /// <summary>First retry delay; each further retry doubles it.</summary>
    public int ProvisionBackoffSeconds { get; set; } = 15;
    /// <summary>Cancellation is free until this many hours before start.</summary>
    public int FreeCancellationHours { get; set; } = 24;
    /// <summary>Share of the unused hours charged for a late cancellation or an early release.</summary>
    public int LateCancellationPercent { get; set; } = 50;
    /// <summary>The "ending in 24 h" reminder.</summary>
    public int EndingReminderHours { get; set; } = 24;

    /// <summary>Business days (Mon-Fri, UTC) Support takes to review a lease over the approval thresholds: the deadline the tenant sees.</summary>
    public int ReviewBusinessDays { get; set; } = 2;
    /// <summary>Business days the tenant has to sign or decline Support's amended terms before their capacity is released.</summary>
    public int OfferResponseBusinessDays { get; set; } = 3;

    /// <summary>The GPUs of one SKU a tenant may have at once: the quota Support set, else the default for its verification.</summary>
    public int QuotaFor(int? setBySupport, bool verified) =>
        setBySupport ?? (verified ? DefaultGpuQuota : Math.Min(UnverifiedGpuQuota, DefaultGpuQuota));

    public TimeSpan Hold => TimeSpan.FromMinutes(HoldMinutes);
    public TimeSpan ProvisionLead => TimeSpan.FromMinutes(ProvisionLeadMinutes);
}
