namespace Portal.Benchmarks;

internal static partial class BatchRunBenchmark
{
    public static void Print(IReadOnlyList<Result> results, TextWriter w)
    {
        const double MB = MemoryFigures.MB;
        w.WriteLine();
        w.WriteLine($"{"database",-10} | {"endpoint",-20} | {"lines",7} | {"input MB",8} | {"validate s",10} | {"valid./s",8} | {"runner s",8} | " +
            $"{"runner/s",8} | {"bare/s",6} | {"ratio",5} | {"CPU ms/line",11} | {"bare CPU",8} | {"KB/line",7} | {"bare KB",7} | {"GCs 0/1/2",9} | " +
            $"{"idle WS",7} | {"peak WS",7} | {"+WS",5} | {"+WS run",7} | {"idle GC",7} | {"peak GC",7} | {"+GC",5} | {"live run",8} | result");
        w.WriteLine(new string('-', 257));
        foreach (var r in results.OrderBy(r => r.Database == "SQLite" ? 0 : 1).ThenBy(r => r.Lines))
            w.WriteLine($"{r.Database,-10} | {r.Endpoint,-20} | {r.Lines,7:N0} | {r.InputBytes / MB,8:N1} | {r.Validate.TotalSeconds,10:N2} | " +
                $"{r.ValidatePerSecond,8:N0} | {r.Run.TotalSeconds,8:N2} | {r.RunPerSecond,8:N0} | {r.Bare.PerSecond,6:N0} | {r.Ratio,5:F2} | " +
                $"{r.RunCpuMsPerLine,11:N3} | {r.BareCpuMsPerLine,8:N3} | {r.RunKBPerLine,7:N1} | {r.BareKBPerLine,7:N1} | " +
                $"{$"{r.RunGc.Gen0}/{r.RunGc.Gen1}/{r.RunGc.Gen2}",9} | {r.Idle.WorkingSet / MB,7:N0} | {r.Peak.WorkingSet / MB,7:N0} | " +
                $"{r.WorkingSetGrowthMB,5:N0} | {r.RunWorkingSetGrowthMB,7:N0} | {r.Idle.GcHeap / MB,7:N0} | {r.Peak.GcHeap / MB,7:N0} | " +
                $"{r.GcHeapGrowthMB,5:N0} | {r.RunLiveGrowth / MB,8:N1} | {r.Status} {r.Completed:N0} ok, {r.Failed:N0} failed" +
                (r.Bare.Other > 0 ? $"; bare non-2xx {r.Bare.Other:N0}" : ""));
        w.WriteLine();
        foreach (var size in results.GroupBy(r => (r.Database, r.Endpoint, r.Lines)))
            w.WriteLine($"{size.Key.Database} {size.Key.Endpoint} {size.Key.Lines:N0} lines over {size.Count()} runs: " +
                $"ratio {size.Min(r => r.Ratio):F2} to {size.Max(r => r.Ratio):F2}, " +
                $"runner {size.Min(r => r.RunPerSecond):N0} to {size.Max(r => r.RunPerSecond):N0} lines/s, " +
                $"peak working set +{size.Max(r => r.WorkingSetGrowthMB):N0} MB " +
                $"(runner alone +{size.Max(r => r.RunWorkingSetGrowthMB):N0} MB, its live heap +{size.Max(r => r.RunLiveGrowth) / MB:N1} MB) " +
                $"(absolute {size.Max(r => r.Peak.WorkingSet) / MB:N0} MB), GC heap +{size.Max(r => r.GcHeapGrowthMB):N0} MB");
        using (var self = System.Diagnostics.Process.GetCurrentProcess())
            w.WriteLine($"Process.PeakWorkingSet64 at the end: {self.PeakWorkingSet64 / MB:N0} MB " +
                (results.All(r => r.KernelPeak)
                    ? "(since the last batch started: the kernel's mark is reset per batch)."
                    : "(since the process started: the kernel's mark could not be reset)."));
        w.WriteLine();
        w.WriteLine("""
            Definitions:
              validate s    ValidateBatchJob.RunAsync: every line read and checked (JSON, custom_id unique, url, model, context);
                            valid./s = lines / that time. Not part of the runner's figure.
              runner s      RunBatchJob.RunAsync from the validated batch to `completed`: read the input, send each line,
                            write output lines, checkpoint (fsync + one transaction every CheckpointEveryLines lines or
                            CheckpointIntervalMs, 10,000 and 1 s by default), finalize.
                            runner/s = lines / that time.
              bare/s        the same bodies POSTed to the same simulator by a bare HttpClient loop with the same number of
                            requests in flight (Batches:ConcurrencyPerDeployment), answers read whole and dropped; run just
                            before each batch in the same process. ratio = runner/s / bare/s (1.00 = the runner costs nothing).
              CPU ms/line   this process's CPU (all threads) per line during the runner / the bare loop: the simulator runs
                            in this process too, so both include the server's own work; the difference is the runner's.
              KB/line       bytes allocated (all threads, so the simulator's too) per line during the runner / the bare loop;
                            GCs 0/1/2 = collections of each generation during the runner.
              idle WS/GC    working set and GC heap (after a full compacting collection) of the started portal (embedded
                            simulator included) just before the batch is uploaded.
              peak WS       the highest resident set (MB) from the upload to the end of the run: the kernel's high-water mark
                            (VmHWM, reset before each batch), or the 20 ms samples where it cannot be reset. +WS = peak - idle;
                            +WS run = the same for the runner alone (validation holds the file's custom_ids, up to MaxLines).
              peak GC       the highest GC heap size sampled every 20 ms (garbage not yet collected included). +GC = peak - idle.
              live run      how much the heap left after a collection grew from the runner's first collection to its
                            highest (MB): what the runner keeps alive as it goes; flat means memory does not grow with lines.
            Goals (issue 5): ratio at least 0.9; peak memory under 200 MB more than an idle portal whatever the file size
            (compare +WS for the sizes above: it should not grow with the lines).
            """);
    }
}
