namespace Portal.Benchmarks;

/// <summary>
/// The planner beside naive first fit, request by request: which requests one refuses and the other places, and
/// whether any refusal left a GPU of an allowed type free at the request's first hour. It shows why the two differ
/// by a few GPU-hours at high compression: not fragmentation or tie-breaks (no refusal finds a free allowed GPU) but
/// which few one-GPU requests are turned away once the pool is full.
/// </summary>
internal static class ReplayComparison
{
    private const string Planner = "planner";
    private const string FirstFit = "naive first fit";

    public static void Print(IReadOnlyList<ReplayResult> results, TextWriter output)
    {
        output.WriteLine("Planner against naive first fit, request by request (deterministic, not timed):");
        output.WriteLine($"{"list",-9} | {"factor",6} | {"refused by the planner only",28} | {"by first fit only",28} | " +
            $"{"refused, allowed GPU free",25} | {"planner refuses as on default",29}");
        output.WriteLine(new string('-', 139));
        foreach (var planner in results.Where(r => r.Policy == Planner))
        {
            if (results.FirstOrDefault(r => r.Policy == FirstFit && r.List == planner.List && r.Factor == planner.Factor) is not { } firstFit)
                continue;
            var plannerOnly = Except(planner.RefusedRequests, firstFit.RefusedRequests);
            var firstFitOnly = Except(firstFit.RefusedRequests, planner.RefusedRequests);
            var unconstrained = results.FirstOrDefault(r => r.Policy == Planner && r.List == "default" && r.Factor == planner.Factor);
            var sameAsDefault = unconstrained is null ? "(default not run)"
                : Except(planner.RefusedRequests, unconstrained.RefusedRequests).Count == 0
                  && Except(unconstrained.RefusedRequests, planner.RefusedRequests).Count == 0 ? "the same requests"
                : $"{Except(planner.RefusedRequests, unconstrained.RefusedRequests).Count} differ";
            output.WriteLine($"{planner.List,-9} | {planner.Factor,6:0.##} | {Describe(plannerOnly),28} | {Describe(firstFitOnly),28} | " +
                $"{$"{planner.RefusedWithFreeGpuAtStart} / {firstFit.RefusedWithFreeGpuAtStart}",25} | {sameAsDefault,29}");
        }
        output.WriteLine();
        output.WriteLine("""
              refused by … only          requests one policy refuses and the other places: count (restricted of them,
                                         their GPU-hours). Equal counts with different GPU-hours mean the two turned away
                                         different requests of the same GPUs: which is longer is decided by requests that
                                         had not arrived when the placement was chosen.
              refused, allowed GPU free  refusals that found a GPU of an allowed type free at the request's first hour
                                         (planner / first fit); 0 means every refusal met a full pool (no fragmentation).
              planner refuses as on      whether the planner turns away exactly the requests it turns away on the
              default                    unconstrained list at that factor: type limits then cost it nothing.
            """);
    }

    private static List<RefusedRequest> Except(IReadOnlyList<RefusedRequest> refused, IReadOnlyList<RefusedRequest> other)
    {
        var names = other.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        return refused.Where(r => !names.Contains(r.Name)).ToList();
    }

    private static string Describe(List<RefusedRequest> only) =>
        $"{only.Count:N0} ({only.Count(r => r.Restricted):N0} restr., {only.Sum(r => r.GpuHours):N0} GPU-h)";
}
