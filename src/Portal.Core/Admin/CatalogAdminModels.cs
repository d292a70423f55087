using System.Globalization;
using System.Text.RegularExpressions;
using Portal.Core.Catalog;

namespace Portal.Core.Admin;

/// <summary>A SKU as the form edits it. Prices are dollars as typed ("2.49"); the service turns them into micro-dollars.</summary>
public sealed class SkuForm
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string GpuModel { get; set; } = "";
    public int MemoryGbPerGpu { get; set; } = 80;
    public int GpusPerNode { get; set; } = 8;
    public string Interconnect { get; set; } = "";
    public int VcpusPerGpu { get; set; } = 16;
    public int RamGbPerGpu { get; set; } = 128;
    public string PricePerGpuHour { get; set; } = "";
    public List<TermForm> Terms { get; set; } = [];
}

public sealed class TermForm
{
    public int MinHours { get; set; }
    public int BasisPoints { get; set; }
}

/// <summary>A hosted model as the form edits it; prices in dollars per million tokens, as typed.</summary>
public sealed class ModelForm
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public ModelKind Kind { get; set; } = ModelKind.Chat;
    public string Description { get; set; } = "";
    public int ContextLength { get; set; } = 8192;
    public bool OpenWeights { get; set; } = true;
    public string Licence { get; set; } = "";
    public string InputPrice { get; set; } = "";
    public string OutputPrice { get; set; } = "";
    public string ServingSkuId { get; set; } = "";
    public List<DeploymentForm> Deployments { get; set; } = [];
}

public sealed class DeploymentForm
{
    public string RegionId { get; set; } = "";
    public string BaseUrl { get; set; } = "simulator:";
}

public sealed record SkuAdminRow(string Id, string Name, string GpuModel, int MemoryGbPerGpu, int GpusPerNode,
    long OnDemandMicrosPerGpuHour, int TermCount, int Nodes, DateTime? RetiredAt);

public sealed record ModelAdminRow(string Id, string Name, ModelKind Kind, bool OpenWeights, long InputMicros, long OutputMicros,
    string ServingSkuId, IReadOnlyList<string> Regions, DateTime? RetiredAt);

public sealed record RegionAdminRow(string Id, string Name, int Nodes, DateTime? RetiredAt);

/// <summary>Nodes of one SKU in one region, counted by state.</summary>
public sealed record FleetRow(string RegionId, string SkuId, int Ready, int Maintenance, int Draining, int Failed)
{
    public int Total => Ready + Maintenance + Draining + Failed;
}

public sealed record NodeRow(string Id, string RegionId, string SkuId, int GpuCount, NodeState State);

public sealed record NodeQuery(string? RegionId = null, string? SkuId = null, NodeState? State = null, int Page = 1, int PageSize = 25);

public static partial class CatalogRules
{
    public const int MaxTerms = 12;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")]
    public static partial Regex CodePattern();

    /// <summary>Model ids are what API callers type, so they may hold dots ("llama-3.3-70b-instruct").</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,78}[a-z0-9]$")]
    public static partial Regex ModelIdPattern();

    /// <summary>Dollars as typed ("2.49") to exact micro-dollars; null and an error when not a plain amount.</summary>
    public static long? ParseDollars(string? text, bool allowZero, out string? error)
    {
        error = null;
        var t = text?.Trim().TrimStart('$') ?? "";
        if (!decimal.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var dollars))
            error = "Enter an amount in dollars, e.g. 2.49.";
        else if (dollars.Scale > 6 && dollars != decimal.Round(dollars, 6))
            error = "Use at most 6 decimals (whole micro-dollars).";
        else if (dollars > 1_000_000)
            error = "At most $1,000,000.";
        else if (dollars == 0 && !allowZero)
            error = "The price must be more than zero.";
        return error is null ? (long)(dollars * Money.MicrosPerDollar) : null;
    }

    /// <summary>Micro-dollars back to the form's text: "2.49", "0.085".</summary>
    public static string Dollars(long micros) =>
        (micros / (decimal)Money.MicrosPerDollar).ToString(micros % 10_000 == 0 ? "0.00" : "0.00####", CultureInfo.InvariantCulture);
}

public static class CatalogActions
{
    public const string SkuCreated = "catalog.sku.created";
    public const string SkuUpdated = "catalog.sku.updated";
    public const string SkuRetired = "catalog.sku.retired";
    public const string SkuUnretired = "catalog.sku.unretired";
    public const string ModelCreated = "catalog.model.created";
    public const string ModelUpdated = "catalog.model.updated";
    public const string ModelRetired = "catalog.model.retired";
    public const string ModelUnretired = "catalog.model.unretired";
    public const string RegionCreated = "catalog.region.created";
    public const string RegionRenamed = "catalog.region.renamed";
    public const string RegionRetired = "catalog.region.retired";
    public const string RegionUnretired = "catalog.region.unretired";
    public const string NodesAdded = "catalog.node.added";
    public const string NodeStateChanged = "catalog.node.state_changed";

    public const string SkuTarget = "GpuSku";
    public const string ModelTarget = "Model";
    public const string RegionTarget = "Region";
    public const string NodeTarget = "Node";
}
