namespace Portal.Benchmarks;

/// <summary>The trace replay's table: every list × factor × policy, then what each column means.</summary>
internal static class ReplayTable
{
    public static void Print(IReadOnlyList<ReplayResult> results, int repeat, TextWriter output)
    {
        output.WriteLine("Replay, arrivals in time order (arrival times divided by the compression factor, durations kept); " +
            $"speed = median of {repeat} runs:");
        output.WriteLine($"{"list",-9} | {"factor",6} | {"policy",-15} | {"placed",13} | {"GPU-h placed",12} | {"requests/s",10} | " +
            $"{"refused",7} | {"restricted",10} | {"stranded",8} | {"later window",12} | {"frag GPUs",9} | {"overbooked",10}");
        output.WriteLine(new string('-', 151));
        foreach (var r in results)
            output.WriteLine($"{r.List,-9} | {r.Factor,6:0.##} | {r.Policy,-15} | {r.Placed,6:N0}/{r.Requests,6:N0} | {r.PlacedGpuHourShare,12:P3} | " +
                $"{r.RequestsPerSecond,10:N0} | {r.Refusals,7:N0} | {r.RestrictedRefusals,10:N0} | {r.StrandedAtRefusals,8:N0} | " +
                $"{r.RefusalsWithLaterWindow,12:N0} | {r.FragmentedGpusAverage,9:F1} | {r.OverbookedNodeHours,10:N0}");
        output.WriteLine();
        output.WriteLine("""
            Definitions:
              list          the trace's task list: default (no type restriction), gpuspec10 / gpuspec20 (about 10% / 20%
                            of the tasks restricted to one GPU type or to several, A|B: placed only on those types).
              planner       the portal's planner: best fit, and a request several types can serve goes to the type
                            restricted requests need least (scarcity-aware). plain best fit: the same without scarcity.
              placed        requests placed / requests; GPU-h placed = placed GPU-hours / requested GPU-hours.
              requests/s    requests processed per second of planning + committing on one thread, in that thread's CPU
                            time (Linux; so a busy machine does not slow it down; wall time elsewhere); refusals included;
                            for the planner a refusal also searches 14 days ahead for later windows).
              refused       requests refused; restricted = of those, requests restricted to given GPU types.
              stranded      summed over refused requests: GPUs free for the whole requested window on allowed Ready
                            nodes that each had too few to take the request (free, but unusable for it).
              later window  refused requests for which the planner offered a later window of the same length
                            (within 14 days); first fit offers none. No earlier windows: leases start on arrival.
              frag GPUs     time-averaged over the horizon: free GPUs on partly used nodes (fragmentation).
              overbooked    node-hours where GPUs allocated > the node's GPUs, recounted independently from the
                            committed allocations (must be 0).
            """);
    }
}
