using System.Globalization;
using Portal.Core.Capacity;
using Portal.Core.Catalog;

namespace Portal.Benchmarks;

/// <summary>One task of the trace that asks for GPUs: times in seconds from the trace's start.</summary>
internal sealed record TraceTask(string Name, int Gpus, string[] Types, long Created, long Deleted);

/// <summary>A lease request made from a task: whole hours from the replay's origin, [StartHour, EndHour).</summary>
/// <summary><paramref name="AllowedSkus"/>: the types a task restricted to several allows (null otherwise).</summary>
internal sealed record TraceRequest(string Name, int Gpus, string Sku, IReadOnlySet<string>? AllowedSkus, int StartHour, int EndHour)
{
    public bool Restricted => Sku != PlacementRequest.AnySku || AllowedSkus is not null;

    public long GpuHours => (long)Gpus * (EndHour - StartHour);
}

/// <summary>
/// The Alibaba GPU trace (cluster-trace-gpu-v2023), read as its README says: nodes become the pool
/// (model = SKU, one region), tasks with num_gpu >= 1 become requests for num_gpu whole GPUs over
/// [creation, deletion) rounded out to whole hours, restricted to the types in gpu_spec (empty: any type),
/// arriving in creation order. <see cref="List"/> names the task list: default, gpuspec10 or gpuspec20.
/// </summary>
internal sealed class AlibabaTrace
{
    public const string Region = "alibaba";
    public static readonly DateTime Origin = new(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public required IReadOnlyList<PlannerNode> Nodes { get; init; }
    public required IReadOnlyList<TraceTask> Tasks { get; init; }
    public required string List { get; init; }
    public int TasksWithTypeRestriction => Tasks.Count(t => t.Types.Length > 0);

    public static readonly string[] Lists = ["default", "gpuspec10", "gpuspec20"];

    public static AlibabaTrace Load(string dataDir, string list = "default")
    {
        var nodes = Rows(Path.Combine(dataDir, "openb_node_list_gpu_node.csv"))
            .Select(r => new PlannerNode(r["sn"], Region, r["model"], int.Parse(r["gpu"], CultureInfo.InvariantCulture), NodeState.Ready))
            .ToList();
        var tasks = Rows(Path.Combine(dataDir, $"openb_pod_list_{list}.csv"))
            .Where(r => int.Parse(r["num_gpu"], CultureInfo.InvariantCulture) >= 1)
            .Select(r => new TraceTask(r["name"], int.Parse(r["num_gpu"], CultureInfo.InvariantCulture),
                r["gpu_spec"].Split('|', StringSplitOptions.RemoveEmptyEntries),
                long.Parse(r["creation_time"], CultureInfo.InvariantCulture), long.Parse(r["deletion_time"], CultureInfo.InvariantCulture)))
            .OrderBy(t => t.Created).ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        return new AlibabaTrace { Nodes = nodes, Tasks = tasks, List = list };
    }

    /// <summary>
    /// Requests with arrival times divided by <paramref name="factor"/> and durations kept, so a
    /// larger factor loads the pool harder. A task of one allowed type asks for that SKU, one of several
    /// types for any of exactly those (one set instance per distinct gpu_spec), any type for any SKU.
    /// </summary>
    public List<TraceRequest> Requests(double factor)
    {
        var sets = new Dictionary<string, IReadOnlySet<string>>();
        return Tasks.Select(t =>
    {
        var arrival = t.Created / factor;
        var end = arrival + (t.Deleted - t.Created);
        var startHour = (int)Math.Floor(arrival / 3600);
        var endHour = Math.Max(startHour + 1, (int)Math.Ceiling(end / 3600));
        var types = t.Types.Distinct().Order(StringComparer.Ordinal).ToArray();
        var sku = types.Length == 1 ? types[0] : PlacementRequest.AnySku;
        IReadOnlySet<string>? allowed = null;
        if (types.Length > 1 && !sets.TryGetValue(string.Join('|', types), out allowed))
            sets[string.Join('|', types)] = allowed = new HashSet<string>(types, StringComparer.Ordinal);
        return new TraceRequest(t.Name, t.Gpus, sku, allowed, startHour, endHour);
    }).ToList();
    }

    private static IEnumerable<Dictionary<string, string>> Rows(string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()!.Split(',');
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            yield return header.Select((h, i) => (h, v: i < cells.Length ? cells[i] : "")).ToDictionary(x => x.h, x => x.v);
        }
    }
}
