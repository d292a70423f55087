using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Portal.Core.ApiKeys;
using Portal.Core.ScriptJobs;

namespace Portal.Benchmarks;

/// <summary>
/// Log streaming (issue 14): one job writes <c>megabytes</c> MB of stdout as fast as it can (<c>yes ... | head -c</c>), and
/// <c>readers</c> live readers follow it through the HTTP API (<c>GET /api/v1/jobs/{id}/logs?offset=</c> polling, with an API
/// key) from the moment it is launched until the log is complete. Each reader checks every byte against the content the
/// script writes, so nothing is kept: lost bytes are those never received correctly. The portal's memory is watched meanwhile.
/// </summary>
internal static class ScriptJobLogBenchmark
{
    private const string Line = "0123456789 abcdefghijklmnopqrstuvwxyz portal log line";
    private static readonly byte[] Pattern = Encoding.ASCII.GetBytes(Line + "\n");

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
        long requests = 0;

        await using var watch = new PeakMemoryWatch();
        var clock = Stopwatch.StartNew();
        var job = await kit.LaunchAsync("log flood", $"yes \"{Line}\" | head -c {bytes}");
        var reading = Enumerable.Range(0, readers).Select(_ => Task.Run(async () =>
        {
            using var http = kit.Host.CreateClient();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
            http.Timeout = TimeSpan.FromMinutes(5);
            var reader = new Reader(bytes);
            while (true)
            {
                using var response = await http.GetAsync($"/api/v1/jobs/{job.Id}/logs?offset={reader.Offset}");
                Interlocked.Increment(ref requests);
                response.EnsureSuccessStatusCode();
                reader.Take(await response.Content.ReadAsByteArrayAsync());
                var next = long.Parse(response.Headers.GetValues("X-Log-Next-Offset").Single(), CultureInfo.InvariantCulture);
                var complete = response.Headers.GetValues("X-Log-Complete").Single() == "true";
                if (next != reader.Offset) throw new InvalidOperationException($"The API's next offset {next} is not the bytes read, {reader.Offset}.");
                if (complete) return reader;
                if (response.Content.Headers.ContentLength == 0) await Task.Delay(50); // caught up with the job: ask again shortly
            }
        })).ToList();

        await kit.UntilAsync("the log job ends", TimeSpan.FromMinutes(10), async _ => ScriptJobStateMachine.IsFinal(await kit.StateAsync(job.Id)), pollMs: 50);
        var writing = clock.Elapsed;
        var done = await Task.WhenAll(reading);
        var allRead = clock.Elapsed;
        var peak = watch.Peak();
        var state = await kit.StateAsync(job.Id);
        var result = new Result(bytes, readers, [.. done.Select(r => r.Lost)], [.. done.Select(r => r.Extra)], writing, allRead,
            requests, state, idle, peak);
        log.WriteLine($"  logs: job {state} after {writing.TotalSeconds:N1} s; {readers} readers done after {allRead.TotalSeconds:N1} s " +
            $"({requests:N0} requests), {result.Lost:N0} bytes lost, {result.Extra:N0} extra; memory over idle: working set " +
            $"{(peak.WorkingSet - idle.WorkingSet) / MemoryFigures.MB:N0} MB, GC heap {(peak.GcHeap - idle.GcHeap) / MemoryFigures.MB:N0} MB");
        return result;
    }

    /// <summary>One reader's check, byte by byte, against what the script writes at each offset.</summary>
    private sealed class Reader(long expected)
    {
        private long correct = -1; // the bytes received correctly from 0 until the first wrong one (-1: none wrong yet)

        public long Offset { get; private set; }
        public long Lost => expected - Math.Min(expected, correct < 0 ? Offset : correct);
        public long Extra => Math.Max(0, Offset - expected);

        public void Take(byte[] data)
        {
            for (var i = 0; i < data.Length && correct < 0; i++)
            {
                var at = Offset + i;
                if (at >= expected || data[i] != Pattern[at % Pattern.Length]) correct = at;
            }
            Offset += data.Length;
        }
    }
}
