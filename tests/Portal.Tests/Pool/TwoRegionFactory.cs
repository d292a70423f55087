using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Pool;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Pool;

/// <summary>
/// The portal with two regions on two drivers: the seeded regions on the embedded simulator, and <see cref="Region"/>
/// configured as a Slurm region whose driver is a <see cref="FakeRegionDriver"/> (four 8-GPU H100 nodes).
/// </summary>
public class TwoRegionFactory : LeaseFactory
{
    public const string Region = "eu-slurm-1";
    public const string RegionName = "Test cluster, Frankfurt";
    public const string Sku = "h100-sxm-80gb";

    public FakeRegionDriver Cluster { get; } = new(Region, Sku, nodes: 4);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new($"Pool:Regions:{Region}:Driver", "Slurm"),
        new($"Pool:Regions:{Region}:Name", RegionName),
        new($"Pool:Regions:{Region}:Slurm:Sku", Sku),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
            services.AddSingleton<PoolDriverFactory>((_, region, _) =>
                region == Region ? Cluster : throw new InvalidOperationException($"No fake driver for {region}.")));
    }
}
