using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Portal.Benchmarks;

/// <summary>
/// The log benchmark's live readers, in a process of their own (this program again, with <c>--log-readers</c>), so that the
/// portal's process holds only the portal: each reader polls <c>GET /api/v1/jobs/{id}/logs?offset=</c> over loopback HTTP
/// with an API key and checks every byte against what the script writes. The parent writes a line to the child's stdin when
/// the job has ended (readers then give up after two minutes if the log never says it is complete); the child answers one
/// line of JSON on stdout.
/// </summary>
internal static class ScriptJobLogReaders
{
    public const string Flag = "--log-readers";
    public const string Line = "0123456789 abcdefghijklmnopqrstuvwxyz portal log line";
    private static readonly byte[] Pattern = Encoding.ASCII.GetBytes(Line + "\n");

    public sealed record Answer(long[] Lost, long[] Extra, long Requests);

    /// <summary>The parent's side: starts the readers' process; <see cref="Child.JobEndedAsync"/> tells it the job ended.</summary>
    public sealed class Child(Process process) : IDisposable
    {
        public async Task JobEndedAsync()
        {
            try
            {
                await process.StandardInput.WriteLineAsync("ended");
                await process.StandardInput.FlushAsync();
            }
            catch (IOException) { } // the readers are done already (all complete, or none)
        }

        public async Task<Answer> AnswerAsync()
        {
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            if (process.ExitCode != 0 || !last.StartsWith('{'))
                throw new InvalidOperationException($"The readers' process failed ({process.ExitCode}): {output}");
            return JsonSerializer.Deserialize<Answer>(last, JsonSerializerOptions.Web)!;
        }

        public void Dispose() => process.Dispose();
    }

    public static Child Start(Uri portal, Guid jobId, string apiKey, long bytes, int readers)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            ArgumentList =
            {
                Flag, portal.ToString(), jobId.ToString(), bytes.ToString(CultureInfo.InvariantCulture), readers.ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["PORTAL_BENCH_API_KEY"] = apiKey; // not on the command line, where `ps` shows it
        return new Child(Process.Start(start)!);
    }

    /// <summary>The child's side: <c>--log-readers {portal} {job id} {bytes} {readers}</c>.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var at = Array.IndexOf(args, Flag);
        var portal = new Uri(args[at + 1]);
        var jobId = Guid.Parse(args[at + 2]);
        var bytes = long.Parse(args[at + 3], CultureInfo.InvariantCulture);
        var readers = int.Parse(args[at + 4], CultureInfo.InvariantCulture);
        var key = Environment.GetEnvironmentVariable("PORTAL_BENCH_API_KEY") ?? throw new InvalidOperationException("PORTAL_BENCH_API_KEY is not set.");
        using var giveUp = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            await Console.In.ReadLineAsync(); // the job ended (or the parent went away)
            giveUp.CancelAfter(TimeSpan.FromMinutes(2));
        });
        long requests = 0;
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, readers) };
        var done = await Task.WhenAll(Enumerable.Range(0, readers).Select(_ => Task.Run(async () =>
        {
            using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = portal, Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var reader = new Reader(bytes);
            while (!giveUp.IsCancellationRequested)
            {
                using var response = await http.GetAsync($"/api/v1/jobs/{jobId}/logs?offset={reader.Offset}");
                Interlocked.Increment(ref requests);
                response.EnsureSuccessStatusCode();
                reader.Take(await response.Content.ReadAsByteArrayAsync());
                var next = long.Parse(response.Headers.GetValues("X-Log-Next-Offset").Single(), CultureInfo.InvariantCulture);
                var complete = response.Headers.GetValues("X-Log-Complete").Single() == "true";
                if (next != reader.Offset) throw new InvalidOperationException($"The API's next offset {next} is not the bytes read, {reader.Offset}.");
                if (complete) return reader;
                if (response.Content.Headers.ContentLength == 0) await Task.Delay(50); // caught up with the job: ask again shortly
            }
            return reader;
        })));
        Console.WriteLine(JsonSerializer.Serialize(new Answer([.. done.Select(r => r.Lost)], [.. done.Select(r => r.Extra)], requests),
            JsonSerializerOptions.Web));
        return 0;
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
