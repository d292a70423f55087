namespace Portal.Core.Catalog.Hyperscale;

/// <summary>
/// Settings under <c>Catalog:Hyperscale</c>, used when <c>Catalog:Seed</c> is <c>hyperscale</c>: one extra region the
/// size of a real AI campus beside the normal catalog (<see cref="HyperscaleSeeder"/>). Every size is configurable so
/// CI can seed a small copy (e.g. 500 nodes).
/// </summary>
public sealed class HyperscaleSeedOptions
{
    public const string SeedName = "hyperscale";

    public string RegionId { get; set; } = "us-central-9";
    public string RegionName { get; set; } = "Hyperscale campus, Abilene, Texas";
    /// <summary>An 8-GPU SKU of the normal catalog.</summary>
    public string SkuId { get; set; } = "b200-180gb";
    public int Nodes { get; set; } = 12_500;
    /// <summary>Existing allocations over the next <see cref="Days"/> days, on the busy half of the nodes.</summary>
    public int Allocations { get; set; } = 100_000;
    public int Tenants { get; set; } = 2_000;
    public int Days { get; set; } = 90;
    /// <summary>Fixed, so that seeding twice (or on another machine) plans the same pool.</summary>
    public int RandomSeed { get; set; } = 18;

    /// <summary>Node ids sort in node order: <c>us-central-9-b200-00001</c>.</summary>
    public string NodeId(int i) => $"{RegionId}-{SkuId.Split('-')[0]}-{i:D5}";

    public string TenantSlug(int i) => $"hyperscale-{i:D5}";
}
