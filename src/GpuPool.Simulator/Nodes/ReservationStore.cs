using System.Text.Json;

namespace GpuPool.Simulator.Nodes;

/// <summary>
/// Reservations written to the task root (reservations.json), so that a restarted pool still holds the GPUs its running
/// tasks use, on the same indexes. Which reservations come back is the owner's call: the portal passes the ones its
/// database says are held (<see cref="SimulatorOptions.Reservations"/>); a standalone pool restores what it recorded.
/// Each change is one line appended to a journal beside the file (rewriting every reservation on every change cost
/// O(n) per reservation: minutes for a 6,250-node lease on a pool already holding thousands); the pool folds the journal
/// into the file now and then (<see cref="Save"/>).
/// </summary>
public sealed class ReservationStore(string taskRoot)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    readonly string _file = Path.Combine(taskRoot, "reservations.json");
    readonly string _journal = Path.Combine(taskRoot, "reservations.journal");

    /// <summary>Lines appended since the last <see cref="Save"/>.</summary>
    public int JournalLines { get; private set; }

    public List<ReservationView> Load()
    {
        List<ReservationView> list;
        try { list = File.Exists(_file) ? JsonSerializer.Deserialize<List<ReservationView>>(File.ReadAllText(_file), Json) ?? [] : []; }
        catch (JsonException) { list = []; }
        if (!File.Exists(_journal)) return list;
        var byKey = list.ToDictionary(r => (r.NodeId, r.AllocationId));
        foreach (var line in File.ReadLines(_journal))
        {
            JournalLine? entry;
            try { entry = JsonSerializer.Deserialize<JournalLine>(line, Json); }
            catch (JsonException) { break; } // a line cut short by a crash: what follows it was never acknowledged
            if (entry?.Added is { } added) byKey[(added.NodeId, added.AllocationId)] = added;
            else if (entry?.Removed is { } removed) byKey.Remove((removed.NodeId, removed.AllocationId));
        }
        return [.. byKey.Values];
    }

    /// <summary>Writes every reservation to the file and empties the journal.</summary>
    public void Save(IEnumerable<ReservationView> reservations)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        Tasks.TaskFolder.WriteAtomically(_file, JsonSerializer.Serialize(reservations, Json));
        File.Delete(_journal);
        JournalLines = 0;
    }

    public void Added(ReservationView view) => Append(new JournalLine(view, null));

    public void Removed(string nodeId, string allocationId) =>
        Append(new JournalLine(null, new ReservationView(nodeId, allocationId, 0, default, [])));

    void Append(JournalLine line)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_journal)!);
        File.AppendAllText(_journal, JsonSerializer.Serialize(line, Json) + "\n");
        JournalLines++;
    }

    sealed record JournalLine(ReservationView? Added, ReservationView? Removed);

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
