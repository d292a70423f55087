using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Batches.OpenAiTestKit;

namespace Portal.Tests.Batches;

/// <summary>
/// Uploads through real Kestrel, whose default request limit (30 MB) is below the 200 MB a file may have: the
/// upload endpoint lifts it for itself, and the bytes are streamed to disk and counted.
/// </summary>
public class LargeUploadTests(LargeUploadTests.KestrelFactory factory) : IClassFixture<LargeUploadTests.KestrelFactory>
{
    public sealed class KestrelFactory : LeaseFactory, IAsyncLifetime
    {
        public int Port { get; } = FreeLoopbackPort();

        public KestrelFactory() => UseKestrel(Port);

        // Kestrel instead of the in-memory TestServer.
        public new Task InitializeAsync()
        {
            StartServer();
            return Task.CompletedTask;
        }

        private static int FreeLoopbackPort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    [Fact]
    public async Task A_40_MB_file_is_accepted_through_kestrel_and_counted()
    {
        var (_, _, secret) = await NewTenantWithKeyAsync(factory);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{factory.Port}"), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var line = Encoding.UTF8.GetBytes(EmbeddingsJsonl(1).Replace("line 1", new string('x', 900)));
        var lines = 40 * 1024 * 1024 / line.Length + 1;
        using var body = new MemoryStream(line.Length * lines);
        for (var i = 0; i < lines; i++) body.Write(line);
        body.Position = 0;

        var file = new StreamContent(body);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        var response = await http.PostAsync("/v1/files",
            new MultipartFormDataContent { { new StringContent("batch"), "purpose" }, { file, "file", "big.jsonl" } });

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal((long)line.Length * lines, json.GetProperty("bytes").GetInt64());
        Assert.True(json.GetProperty("bytes").GetInt64() > 30_000_000);
    }
}
