using Portal.Core.Catalog;

namespace Portal.Core.Spend;

/// <summary>The <c>Spend</c> configuration section.</summary>
public sealed class SpendOptions
{
    /// <summary>The ceiling for tenants Support gave none: the most an Owner may set as monthly limit ($500,000).</summary>
    public long DefaultCeilingMicros { get; set; } = 500_000 * Money.MicrosPerDollar;

    /// <summary>The ceiling of a tenant Support has not verified yet ($1,000; never above <see cref="DefaultCeilingMicros"/>).</summary>
    public long UnverifiedCeilingMicros { get; set; } = 1_000 * Money.MicrosPerDollar;

    /// <summary>A tenant's ceiling: the one Support set, else the default for its verification.</summary>
    public long CeilingFor(long? setBySupport, bool verified) =>
        setBySupport ?? (verified ? DefaultCeilingMicros : Math.Min(UnverifiedCeilingMicros, DefaultCeilingMicros));

    /// <summary>The highest ceiling Support may set: $1 billion.</summary>
    public const long MaxCeilingMicros = 1_000_000_000 * Money.MicrosPerDollar;

    /// <summary>Percentages of the monthly limit at which Owners are warned, once each per month.</summary>
    public static readonly int[] WarningPercents = [50, 80, 100];
}
