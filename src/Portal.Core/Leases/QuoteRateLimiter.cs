using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Portal.Core.Leases;

/// <summary>
/// Quotes per tenant and minute (<see cref="LeaseOptions.QuotesPerMinute"/>), whatever asks: the New lease page calls
/// <see cref="LeaseQuoting"/> and <see cref="LeaseExtending"/> directly, the API over HTTP, so the limit lives here, one per process (a singleton).
/// A token bucket: a burst of the whole minute's quotes, then they come back at N a minute.
/// </summary>
public sealed class QuoteRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<Guid> limiter;
    private readonly int perMinute;

    public QuoteRateLimiter(IOptions<LeaseOptions> options)
    {
        perMinute = Math.Max(1, options.Value.QuotesPerMinute);
        // One token each 60/N seconds; above 60 a minute, N/60 tokens each second (a timer per tenant, so not faster).
        var (period, tokens) = perMinute <= 60 ? (TimeSpan.FromSeconds(60.0 / perMinute), 1) : (TimeSpan.FromSeconds(1), (perMinute + 59) / 60);
        limiter = PartitionedRateLimiter.Create<Guid, Guid>(tenantId => RateLimitPartition.GetTokenBucketLimiter(tenantId, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = perMinute, TokensPerPeriod = tokens, ReplenishmentPeriod = period, QueueLimit = 0, AutoReplenishment = true,
            }));
    }

    /// <summary>Takes one quote from the tenant's allowance, or refuses with when to try again.</summary>
    public void Take(Guid tenantId)
    {
        using var lease = limiter.AttemptAcquire(tenantId);
        if (lease.IsAcquired) return;
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60.0 / perMinute);
        throw new QuoteRateLimitedException(perMinute, retryAfter);
    }

    public void Dispose() => limiter.Dispose();
}

/// <summary>Too many quotes in the last minute: HTTP 429 with Retry-After.</summary>
public sealed class QuoteRateLimitedException(int perMinute, TimeSpan retryAfter) : LeaseException("quote_rate_limited",
    $"Your organisation may ask for {perMinute} quotes a minute; try again in {Seconds(retryAfter)} seconds. " +
    "Checking whether a lease fits is not limited.", 429)
{
    /// <summary>Whole seconds, at least one.</summary>
    public int RetryAfterSeconds { get; } = Seconds(retryAfter);

    private static int Seconds(TimeSpan t) => Math.Max(1, (int)Math.Ceiling(t.TotalSeconds));
}
