using System.Globalization;

namespace Portal.Benchmarks;

/// <summary><c>--jobs</c>: the script-job benchmark on SQLite, and on PostgreSQL when a server is given.</summary>
internal static class ScriptJobBenchmarkCommand
{
    public static async Task<int> RunAsync(string[] args, Func<string, string?> arg, TextWriter log)
    {
        int Int(string name, int fallback) => int.Parse(arg(name) ?? fallback.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var postgres = arg("--postgres") ?? Environment.GetEnvironmentVariable("PORTAL_BENCH_POSTGRES");
        // --set Key=Value (repeatable): any portal setting, e.g. ScriptJobs:PollIntervalMs=200.
        var overrides = args.Select((a, i) => (a, i)).Where(p => p.a == "--set" && p.i + 1 < args.Length).Select(p => args[p.i + 1].Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
        // Twenty readers poll as fast as the log grows: the API's rate limits would only measure refusals.
        foreach (var limit in new[] { "Api:PerKey", "Api:PerUser" }) overrides.TryAdd("RateLimits:" + limit, "100000000");
        var scenario = new ScriptJobBenchmark.Scenario(Int("--launches", 200), Int("--queued", 1000), Int("--log-mb", 50), Int("--readers", 20), overrides,
            // A hundred unmeasured queued jobs first (about 13 s of the lease), as the launches' warm-up: --queue-warmup 0 for a cold run.
            QueueWarmUp: Int("--queue-warmup", 100));
        log.WriteLine($"Script job benchmark: {scenario.Launches} launches, {scenario.Queued:N0} queued one-second jobs, {scenario.LogMegabytes} MB of log " +
            $"with {scenario.Readers} readers, {scenario.QueueWarmUp} unmeasured queue warm-up jobs, " +
            $"in one {ScriptJobBenchmark.LeaseGpus}-GPU lease on the embedded simulator " +
            $"(.NET {Environment.Version}, {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC)");
        using var profile = args.Contains("--profile-sql") ? SqlCommandProfile.Start() : null;
        ScriptJobBenchmark.SqlProfile = profile;
        ScriptJobBenchmark.ProfileJit = args.Contains("--profile-jit");
        var results = new List<ScriptJobBenchmark.Result>();
        if (!args.Contains("--no-sqlite")) results.Add(await ScriptJobBenchmark.RunAsync(null, scenario, log));
        if (!string.IsNullOrWhiteSpace(postgres)) results.Add(await ScriptJobBenchmark.RunAsync(postgres, scenario, log));
        else log.WriteLine("  PostgreSQL skipped: pass --postgres \"<connection string>\" or set PORTAL_BENCH_POSTGRES.");
        ScriptJobBenchmarkReport.Print(results, scenario, log);
        return 0;
    }
}
