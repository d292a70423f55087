namespace Portal.Core.Catalog.Hyperscale;

/// <summary>One seeded lease: whole nodes [FirstNode, FirstNode + NodeCount) over [Start, End) for one tenant.</summary>
internal readonly record struct SeededLease(int Tenant, int FirstNode, int NodeCount, DateTime Start, DateTime End);

/// <summary>
/// Plans the seeded allocations so that no node is ever overbooked without asking the database: the busy half of the
/// nodes is cut into groups of 1 to 16 neighbours, and each group's time is cut into slots, one lease of the whole
/// group per slot. The other half stays free, so a lease of tens of thousands of GPUs fits beside the existing load.
/// </summary>
internal static class HyperscalePlan
{
    public static List<SeededLease> Leases(HyperscaleSeedOptions o, DateTime thisHour)
    {
        var random = new Random(o.RandomSeed);
        var busyNodes = Math.Max(1, o.Nodes / 2);
        var perNode = Math.Max(1, (o.Allocations + busyNodes - 1) / busyNodes);
        var slotHours = Math.Max(2, o.Days * 24 / perNode);
        var leases = new List<SeededLease>();
        var allocations = 0;
        for (var first = 0; first < busyNodes && allocations < o.Allocations; )
        {
            var size = Math.Min(random.Next(1, 17), busyNodes - first);
            for (var slot = 0; slot < perNode && allocations < o.Allocations; slot++)
            {
                var nodes = Math.Min(size, o.Allocations - allocations);
                // The first slot began up to two days ago (a running lease); the others lie ahead.
                var slotStart = thisHour.AddHours(slot * slotHours - (slot == 0 ? random.Next(0, 48) : 0));
                var hours = Math.Max(1, slotHours * random.Next(50, 91) / 100);
                var offset = slot == 0 ? 0 : random.Next(0, slotHours - hours + 1);
                var start = slotStart.AddHours(offset);
                var end = start.AddHours(hours);
                if (end <= thisHour) end = thisHour.AddHours(1);
                leases.Add(new SeededLease(random.Next(o.Tenants), first, nodes, start, end));
                allocations += nodes;
            }
            first += size;
        }
        return leases;
    }
}
