using System.Threading.Channels;

namespace Portal.Core.Batches;

/// <summary>
/// The model servers a batch's requests go to, each with its own bound on requests in flight. Deployments that
/// resolve to one base URL (every <c>simulator:</c> deployment is the one embedded simulator) are one server: the
/// bound protects the server, not a catalog row. A request takes a slot on the least busy server with room.
/// </summary>
public sealed class BatchModelServers
{
    private readonly Server[] servers;
    // Free slots as tokens. Synchronous continuations: a request that ends hands its slot straight to the waiting
    // producer on the same thread, which reads and sends the next line at once, as a plain loop would (a semaphore
    // would queue the producer to the thread pool on every line).
    private readonly Channel<bool> free = Channel.CreateUnbounded<bool>(new UnboundedChannelOptions { AllowSynchronousContinuations = true });
    private readonly Lock gate = new();

    public BatchModelServers(IEnumerable<Uri> baseUrls, int concurrencyPerServer)
    {
        var perServer = Math.Max(1, concurrencyPerServer);
        servers = [.. baseUrls.Select(u => u.AbsoluteUri.EndsWith('/') ? u : new Uri(u.AbsoluteUri + "/")).Distinct().Select(u => new Server(u, perServer))];
        for (var i = 0; i < servers.Length * perServer; i++) free.Writer.TryWrite(true);
    }

    public int Count => servers.Length;

    /// <summary>Waits for a slot (cancellable: a cancel stops dispatching here); release it with <see cref="Release"/>.</summary>
    public async Task<Server> AcquireAsync(CancellationToken ct)
    {
        await free.Reader.ReadAsync(ct);
        lock (gate)
        {
            var server = servers.Where(s => s.InFlight < s.Capacity).MinBy(s => s.InFlight)!;
            server.InFlight++;
            return server;
        }
    }

    public void Release(Server server)
    {
        lock (gate) server.InFlight--;
        free.Writer.TryWrite(true);
    }

    public sealed class Server(Uri baseUrl, int capacity)
    {
        /// <summary>The OpenAI-compatible base, ending in <c>/v1/</c>.</summary>
        public Uri BaseUrl { get; } = baseUrl;
        public int Capacity { get; } = capacity;
        internal int InFlight { get; set; }

        private sealed record EndpointUrl(string Endpoint, Uri Url);
        private EndpointUrl? last; // a run sends every line to one endpoint: parse its URL once, not per request

        /// <summary><c>/v1/chat/completions</c> on this server.</summary>
        public Uri UrlOf(string endpoint)
        {
            if (last is { } known && known.Endpoint == endpoint) return known.Url;
            var url = new Uri(BaseUrl, endpoint.StartsWith("/v1/", StringComparison.Ordinal) ? endpoint["/v1/".Length..] : endpoint.TrimStart('/'));
            last = new(endpoint, url);
            return url;
        }
    }
}
