using System.Globalization;
using Portal.Core.Capacity;

namespace Portal.Benchmarks;

/// <summary>
/// `--shuffles N`: is the GPU-hour gap between the planner and first fit a property of the rule or of a few requests'
/// lengths? The same requests in the same order with the same types, but the durations of the one-GPU requests dealt
/// out again at random (seeds 0..N-1): a rule that is better should stay better; a gap that flips sign from deal to
/// deal is decided by lengths no placement could know. Refusal counts are compared too.
/// </summary>
internal static class DurationShuffleExperiment
{
    public static void Run(IReadOnlyList<AlibabaTrace> traces, IReadOnlyList<double> factors, int shuffles, TextWriter output)
    {
        output.WriteLine($"Durations of the one-GPU requests reshuffled {shuffles} times (same arrivals, sizes and types): " +
            "planner minus naive first fit, GPU-hours placed");
        output.WriteLine($"{"list",-9} | {"factor",6} | {"planner more",12} | {"equal",5} | {"first fit more",14} | {"mean",7} | " +
            $"{"median",6} | {"min",7} | {"max",7} | {"planner refused more",20}");
        output.WriteLine(new string('-', 119));
        var planner = new CapacityPlanner();
        foreach (var trace in traces.Where(t => t.TasksWithTypeRestriction > 0))
            foreach (var factor in factors)
            {
                var requests = trace.Requests(factor);
                var ones = Enumerable.Range(0, requests.Count).Where(i => requests[i].Gpus == 1).ToArray();
                var gaps = new List<long>();
                var plannerRefusedMore = 0;
                for (var seed = 0; seed < shuffles; seed++)
                {
                    var dealt = Deal(requests, ones, seed);
                    var p = TraceReplay.Run("planner", planner.Plan, trace, factor, dealt);
                    var f = TraceReplay.Run("naive first fit", FirstFitPlacer.Place, trace, factor, dealt);
                    gaps.Add(p.PlacedGpuHours - f.PlacedGpuHours);
                    if (p.Refusals > f.Refusals) plannerRefusedMore++;
                }
                gaps.Sort();
                output.WriteLine($"{trace.List,-9} | {factor,6:0.##} | {gaps.Count(g => g > 0),12} | {gaps.Count(g => g == 0),5} | " +
                    $"{gaps.Count(g => g < 0),14} | {gaps.Average(),7:F1} | {gaps[gaps.Count / 2],6} | {gaps[0],7} | {gaps[^1],7} | " +
                    $"{plannerRefusedMore.ToString(CultureInfo.InvariantCulture),20}");
            }
        output.WriteLine();
    }

    // The one-GPU requests keep their arrival hour and type limits; only their lengths are dealt out again.
    private static List<TraceRequest> Deal(List<TraceRequest> requests, int[] ones, int seed)
    {
        var lengths = ones.Select(i => requests[i].EndHour - requests[i].StartHour).ToArray();
        new Random(seed).Shuffle(lengths);
        var dealt = requests.ToList();
        for (var k = 0; k < ones.Length; k++)
            dealt[ones[k]] = requests[ones[k]] with { EndHour = requests[ones[k]].StartHour + lengths[k] };
        return dealt;
    }
}
