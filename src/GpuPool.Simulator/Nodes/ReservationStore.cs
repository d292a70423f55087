using System.Text.Json;

namespace GpuPool.Simulator.Nodes;

/// <summary>
/// Reservations written to the task root (reservations.json), so that a restarted pool still holds the GPUs its running
/// tasks use, on the same indexes. Which reservations come back is the owner's call: the portal passes the ones its
/// database says are held (<see cref="SimulatorOptions.Reservations"/>); a standalone pool restores what it recorded.
/// </summary>
public sealed class ReservationStore(string taskRoot)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    readonly string _file = Path.Combine(taskRoot, "reservations.json");

    public List<ReservationView> Load()
    {
        try { return File.Exists(_file) ? JsonSerializer.Deserialize<List<ReservationView>>(File.ReadAllText(_file), Json) ?? [] : []; }
        catch (JsonException) { return []; }
    }

    public void Save(IEnumerable<ReservationView> reservations)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        Tasks.TaskFolder.WriteAtomically(_file, JsonSerializer.Serialize(reservations, Json));
    }

    /// <summary>
    /// The reservations to hold at start: <paramref name="wanted"/> (all recorded ones when null), on their recorded GPU
    /// indexes when those are known and still fit, else on the lowest free ones.
    /// </summary>
    public static List<ReservationView> Restore(List<ReservationView> recorded, List<ReservationOptions>? wanted, IReadOnlyDictionary<string, int> gpuCounts)
    {
        var taken = new Dictionary<string, HashSet<int>>();
        var restored = new List<ReservationView>();
        var byId = recorded.GroupBy(r => (r.NodeId, r.AllocationId.ToLowerInvariant())).ToDictionary(g => g.Key, g => g.First());
        var asked = wanted?.Select(w => (w.NodeId, AllocationId: w.AllocationId.ToLowerInvariant(), w.Gpus))
            ?? recorded.Select(r => (r.NodeId, AllocationId: r.AllocationId.ToLowerInvariant(), r.Gpus));
        // Recorded ones first, so that their indexes are free for them.
        foreach (var (node, allocation, gpus) in asked.OrderBy(a => byId.ContainsKey((a.NodeId, a.AllocationId)) ? 0 : 1))
        {
            if (!gpuCounts.TryGetValue(node, out var count)) continue;
            var used = taken.TryGetValue(node, out var set) ? set : taken[node] = [];
            if (used.Count + gpus > count) continue;
            int[] indexes = byId.TryGetValue((node, allocation), out var known) && known.Gpus == gpus && !known.GpuIndexes.Any(used.Contains)
                && known.GpuIndexes.All(i => i < count)
                ? known.GpuIndexes
                : [.. Enumerable.Range(0, count).Where(i => !used.Contains(i)).Take(gpus)];
            used.UnionWith(indexes);
            restored.Add(new ReservationView(node, known?.AllocationId ?? allocation, gpus, known?.CreatedAtUtc ?? DateTime.UtcNow, indexes));
        }
        return restored;
    }
}
