using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>A <see cref="LeaseFactory"/> with the portal's own limits on quotes (the other tests run without them).</summary>
public class QuoteLimitsFactory : LeaseFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Leases:UnverifiedGpuQuota", "8"), new("Spend:UnverifiedCeilingMicros", "1000000000"),
        new("Leases:MaxOpenHolds", "3"), new("Leases:QuotesPerMinute", "10"),
    ];
}

/// <summary>Two quotes a minute, so that the third is refused long before the bucket refills (30 s).</summary>
public class QuoteRateFactory : LeaseFactory
{
    public const int PerMinute = 2;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Leases:QuotesPerMinute", PerMinute.ToString())];
}
