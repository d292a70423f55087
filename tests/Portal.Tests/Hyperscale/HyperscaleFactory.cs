using Portal.Core.Catalog.Hyperscale;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hyperscale;

/// <summary>
/// The hyperscale seed at CI size: 1,100 nodes (the free half, 550 nodes, holds 4,400 GPUs: more than the old 4,096 cap)
/// and 3,000 allocations of 40 organisations, on the fake clock.
/// </summary>
public sealed class HyperscaleFactory : LeaseFactory
{
    public static readonly HyperscaleSeedOptions Seed = new() { Nodes = 1_100, Allocations = 3_000, Tenants = 40 };

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Catalog:Seed", HyperscaleSeedOptions.SeedName),
        new("Catalog:Hyperscale:Nodes", Seed.Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Catalog:Hyperscale:Allocations", Seed.Allocations.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Catalog:Hyperscale:Tenants", Seed.Tenants.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}
