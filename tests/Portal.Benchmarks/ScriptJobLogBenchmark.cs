using System.Diagnostics;
using Portal.Core.ApiKeys;
using Portal.Core.ScriptJobs;

namespace Portal.Benchmarks;

/// <summary>
/// Log streaming (issue 14): one job writes <c>megabytes</c> MB of stdout as fast as it can (<c>yes ... | head -c</c>), and
/// <c>readers</c> live readers follow it through the HTTP API (<c>GET /api/v1/jobs/{id}/logs?offset=</c> polling, with an API
/// key) from the moment it is launched until the log is complete. The readers run in a process of their own
/// (<see cref="ScriptJobLogReaders"/>) over loopback HTTP, so the memory watched here is the portal's alone (with its
/// embedded simulator). Each reader checks every byte against the content the script writes, so nothing is kept: lost
/// bytes are those never received correctly.
/// </summary>
internal static class ScriptJobLogBenchmark
{
    public sealed record Result(long Bytes, int Readers, long[] LostPerReader, long[] ExtraPerReader, TimeSpan Writing, TimeSpan AllRead,
        long Requests, ScriptJobState JobState, MemoryFigures Idle, MemoryFigures Peak)
    {
        public long Lost => LostPerReader.Sum();
        public long Extra => ExtraPerReader.Sum();
    }

    public static async Task<Result> RunAsync(ScriptJobBenchmarkKit kit, int megabytes, int readers, TextWriter log)
    {
        long bytes = megabytes * 1024L * 1024;
        var key = await kit.Get<ApiKeyService>().CreateAsync("log readers", ApiKeyScopes.Read | ApiKeyScopes.Jobs);
        var idle = MemoryFigures.Idle();

        await using var watch = new PeakMemoryWatch();
        var clock = Stopwatch.StartNew();
        var job = await kit.LaunchAsync("log flood", $"yes \"{ScriptJobLogReaders.Line}\" | head -c {bytes}");
        using var child = ScriptJobLogReaders.Start(kit.BaseUrl, job.Id, key.Secret, bytes, readers);

        await kit.UntilAsync("the log job ends", TimeSpan.FromMinutes(10), async _ => ScriptJobStateMachine.IsFinal(await kit.StateAsync(job.Id)), pollMs: 50);
        var writing = clock.Elapsed;
        await child.JobEndedAsync();
        var answer = await child.AnswerAsync();
        var allRead = clock.Elapsed;
        var peak = watch.Peak();
        var state = await kit.StateAsync(job.Id);
        var result = new Result(bytes, readers, answer.Lost, answer.Extra, writing, allRead, answer.Requests, state, idle, peak);
        log.WriteLine($"  logs: job {state} after {writing.TotalSeconds:N1} s; {readers} readers (own process) done after {allRead.TotalSeconds:N1} s " +
            $"({answer.Requests:N0} requests), {result.Lost:N0} bytes lost, {result.Extra:N0} extra; portal memory over idle: working set " +
            $"{(peak.WorkingSet - idle.WorkingSet) / MemoryFigures.MB:N0} MB, GC heap {(peak.GcHeap - idle.GcHeap) / MemoryFigures.MB:N0} MB");
        return result;
    }
}
