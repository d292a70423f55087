using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Portal.Core.Batches;

namespace Portal.Benchmarks;

/// <summary>
/// The requests of the batch benchmark: line <c>i</c>'s body is always the same bytes, so the input file the runner
/// reads and the bare loop send exactly the same requests. The file is written a line at a time (never held whole).
/// </summary>
internal sealed class BatchBenchmarkRequests(string endpoint)
{
    public const string ChatModel = "llama-3.3-70b-instruct";
    public const string EmbeddingsModel = "all-minilm-l6-v2";

    private static readonly string[] Topics = ["a failed GPU node", "a quota increase", "an invoice", "a slow model", "a lease extension", "an API key"];

    public string Endpoint { get; } = endpoint;

    /// <summary>The request body of line <paramref name="i"/>: short prompts and max_tokens 16, so answers stay small.</summary>
    public byte[] Body(int i)
    {
        var topic = Topics[i % Topics.Length];
        var json = Endpoint switch
        {
            BatchUrls.Embeddings => $$"""{"model":"{{EmbeddingsModel}}","input":"Support ticket {{i}} is about {{topic}}."}""",
            BatchUrls.Completions => $$"""{"model":"{{ChatModel}}","prompt":"Summarise support ticket {{i}} about {{topic}}""" +
                $$""" in one line.","max_tokens":16}""",
            _ => $$"""{"model":"{{ChatModel}}","messages":[{"role":"user","content":"Summarise support ticket {{i}} about {{topic}}""" +
                $$""" in one line."}],"max_tokens":16}""",
        };
        return Encoding.UTF8.GetBytes(json);
    }

    /// <summary>Writes an OpenAI batch input of <paramref name="lines"/> requests to <paramref name="path"/>; returns its bytes.</summary>
    public long WriteInput(string path, int lines)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 256 * 1024);
        var url = Encoding.UTF8.GetBytes($"\",\"method\":\"POST\",\"url\":\"{Endpoint}\",\"body\":");
        for (var i = 0; i < lines; i++)
        {
            file.Write("{\"custom_id\":\"request-"u8);
            file.Write(Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            file.Write(url);
            file.Write(Body(i));
            file.Write("}\n"u8);
        }
        return file.Length;
    }

    public sealed record BareResult(int Requests, int Ok, int Other, TimeSpan Elapsed, TimeSpan Cpu, GcActivity Gc)
    {
        public double PerSecond => Requests / Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The bare loop: <paramref name="concurrency"/> workers POST the bodies of lines 0..lines-1 to the model server
    /// and read each answer whole, nothing else (no file, no parsing, no checkpoint): what the server and the HTTP
    /// stack alone allow. Its client is set up as the runner's (<c>batches</c> named client).
    /// </summary>
    public async Task<BareResult> BareLoopAsync(Uri modelBaseUrl, int lines, int concurrency, bool instant)
    {
        using var http = new HttpClient(instant ? new InstantModelServer(Endpoint) : new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.All,
        }) { Timeout = TimeSpan.FromMinutes(10) };
        var url = new Uri(modelBaseUrl, Endpoint.TrimStart('/')["v1/".Length..]);
        var json = new MediaTypeHeaderValue("application/json");
        int next = -1, ok = 0, other = 0;
        var cpu = Environment.CpuUsage.TotalTime;
        var gc = GcActivity.Now();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < lines)
            {
                using var content = new ByteArrayContent(Body(i));
                content.Headers.ContentType = json;
                using var response = await http.PostAsync(url, content);
                await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode) Interlocked.Increment(ref ok);
                else Interlocked.Increment(ref other);
            }
        })));
        clock.Stop();
        return new BareResult(lines, ok, other, clock.Elapsed, Environment.CpuUsage.TotalTime - cpu, GcActivity.Now() - gc);
    }
}
