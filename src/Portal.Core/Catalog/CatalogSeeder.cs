using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Catalog;

/// <summary>
/// The catalog a fresh portal starts with: two regions, five SKUs, a few hundred nodes and four models.
/// Adds only what is missing, by id, so every start may run it and Support's later edits survive.
/// </summary>
public static class CatalogSeeder
{
    private const long Usd = 1_000_000;

    private static readonly Region[] Regions =
    [
        new() { Id = "us-south-1", Name = "Richland Parish, Louisiana" },
        new() { Id = "us-east-2", Name = "New Albany, Ohio" },
    ];

    private static readonly (int MinHours, int BasisPoints)[] Terms = [(168, 500), (720, 1200), (2160, 2000), (4368, 2800)];

    private static GpuSku Sku(string id, string name, string gpu, int memory, int perNode, string link, int vcpus, int ram, long micros) =>
        new()
        {
            Id = id, Name = name, GpuModel = gpu, MemoryGbPerGpu = memory, GpusPerNode = perNode, Interconnect = link,
            VcpusPerGpu = vcpus, RamGbPerGpu = ram, OnDemandMicrosPerGpuHour = micros,
            TermDiscounts = [.. Terms.Select(t => new TermDiscount { SkuId = id, MinHours = t.MinHours, BasisPoints = t.BasisPoints })],
        };

    private static readonly GpuSku[] Skus =
    [
        Sku("b200-180gb", "B200 180 GB", "NVIDIA B200", 180, 8, "NVLink 5 (1.8 TB/s) + 3.2 Tb/s InfiniBand", 28, 280, 4_990_000),
        Sku("h200-141gb", "H200 141 GB", "NVIDIA H200 SXM", 141, 8, "NVLink 4 (900 GB/s) + 3.2 Tb/s InfiniBand", 24, 250, 3_290_000),
        Sku("h100-sxm-80gb", "H100 SXM 80 GB", "NVIDIA H100 SXM", 80, 8, "NVLink 4 (900 GB/s) + 3.2 Tb/s InfiniBand", 26, 225, 2_490_000),
        Sku("a100-80gb", "A100 80 GB", "NVIDIA A100 SXM", 80, 8, "NVLink 3 (600 GB/s) + 1.6 Tb/s InfiniBand", 16, 120, 1_290_000),
        Sku("l40s-48gb", "L40S 48 GB", "NVIDIA L40S", 48, 4, "PCIe Gen4 + 200 Gb/s Ethernet", 12, 64, 890_000),
    ];

    /// <summary>Nodes per region and SKU.</summary>
    private static readonly (string Region, string Sku, int Count)[] Fleet =
    [
        ("us-south-1", "h100-sxm-80gb", 60), ("us-south-1", "h200-141gb", 40), ("us-south-1", "b200-180gb", 24),
        ("us-south-1", "a100-80gb", 30), ("us-south-1", "l40s-48gb", 30),
        ("us-east-2", "h100-sxm-80gb", 40), ("us-east-2", "h200-141gb", 24), ("us-east-2", "b200-180gb", 16),
        ("us-east-2", "a100-80gb", 20), ("us-east-2", "l40s-48gb", 24),
    ];

    private static HostedModel[] Models() =>
    [
        new()
        {
            Id = "llama-3.3-70b-instruct", Name = "Llama 3.3 70B Instruct", Kind = ModelKind.Chat, ContextLength = 131_072,
            OpenWeights = true, Licence = "Llama 3.3 Community License", ServingSkuId = "h100-sxm-80gb",
            InputMicrosPerMillionTokens = Usd * 30 / 100, OutputMicrosPerMillionTokens = Usd * 40 / 100,
            Description = "Meta's 70B instruction-tuned model: strong general chat, reasoning and tool use at a modest price.",
        },
        new()
        {
            Id = "llama-4-maverick-17b-128e-instruct", Name = "Llama 4 Maverick 17B-128E Instruct", Kind = ModelKind.Chat,
            ContextLength = 1_048_576, OpenWeights = true, Licence = "Llama 4 Community License", ServingSkuId = "h200-141gb",
            InputMicrosPerMillionTokens = Usd * 9 / 100, OutputMicrosPerMillionTokens = Usd * 30 / 100,
            Description = "A mixture-of-experts model (17B active, 128 experts) with a one-million-token context.",
        },
        new()
        {
            Id = "muse-spark", Name = "Muse Spark", Kind = ModelKind.Chat, ContextLength = 262_144, OpenWeights = false,
            Licence = "Proprietary (closed weights)", ServingSkuId = "b200-180gb",
            InputMicrosPerMillionTokens = Usd, OutputMicrosPerMillionTokens = Usd * 4,
            Description = "A closed-weight frontier chat model, served only from our own B200 fleet.",
        },
        new()
        {
            Id = "all-minilm-l6-v2", Name = "all-MiniLM-L6-v2", Kind = ModelKind.Embeddings, ContextLength = 256, OpenWeights = true,
            Licence = "Apache-2.0", ServingSkuId = "l40s-48gb",
            InputMicrosPerMillionTokens = Usd / 100, OutputMicrosPerMillionTokens = 0,
            Description = "Sentence embeddings, 384 dimensions: search, clustering and deduplication at a tiny price.",
        },
    ];

    public static async Task SeedAsync(PortalDbContext db, CancellationToken ct = default)
    {
        var regions = await db.Regions.Select(r => r.Id).ToListAsync(ct);
        db.Regions.AddRange(Regions.Where(r => !regions.Contains(r.Id)).Select(r => new Region { Id = r.Id, Name = r.Name }));

        var skus = await db.GpuSkus.Select(s => s.Id).ToListAsync(ct);
        db.GpuSkus.AddRange(Skus.Where(s => !skus.Contains(s.Id)).Select(s => Sku(s.Id, s.Name, s.GpuModel, s.MemoryGbPerGpu,
            s.GpusPerNode, s.Interconnect, s.VcpusPerGpu, s.RamGbPerGpu, s.OnDemandMicrosPerGpuHour)));

        var nodes = (await db.Nodes.Select(n => n.Id).ToListAsync(ct)).ToHashSet();
        foreach (var (region, sku, count) in Fleet)
        {
            var perNode = Skus.Single(s => s.Id == sku).GpusPerNode;
            for (var i = 1; i <= count; i++)
            {
                var id = $"{region}-{sku.Split('-')[0]}-{i:D3}";
                // A few nodes start in maintenance, as in any real fleet.
                if (!nodes.Contains(id))
                    db.Nodes.Add(new Node
                    {
                        Id = id, RegionId = region, SkuId = sku, GpuCount = perNode, State = i % 17 == 0 ? NodeState.Maintenance : NodeState.Ready
                    });
            }
        }

        var models = await db.Models.Select(m => m.Id).ToListAsync(ct);
        foreach (var model in Models().Where(m => !models.Contains(m.Id)))
        {
            var inRegions = model.OpenWeights ? Regions.Select(r => r.Id) : [Regions[0].Id];
            model.Deployments = [.. inRegions.Select(r => new ModelDeployment { ModelId = model.Id, RegionId = r, BaseUrl = "simulator:" })];
            db.Models.Add(model);
        }
        await db.SaveChangesAsync(ct);
    }
}
