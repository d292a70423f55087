namespace Portal.Core.Batches;

/// <summary>
/// The model servers a batch's requests go to, each with its own bound on requests in flight. Deployments that
/// resolve to one base URL (every <c>simulator:</c> deployment is the one embedded simulator) are one server: the
/// bound protects the server, not a catalog row. A request takes a slot on the least busy server with room.
/// </summary>
public sealed class BatchModelServers
{
    private readonly Server[] servers;
    private readonly SemaphoreSlim free;
    private readonly Lock gate = new();

    public BatchModelServers(IEnumerable<Uri> baseUrls, int concurrencyPerServer)
    {
        var perServer = Math.Max(1, concurrencyPerServer);
        servers = [.. baseUrls.Select(u => u.AbsoluteUri.EndsWith('/') ? u : new Uri(u.AbsoluteUri + "/")).Distinct().Select(u => new Server(u, perServer))];
        free = new SemaphoreSlim(servers.Length * perServer);
    }

    public int Count => servers.Length;

    /// <summary>Waits for a slot (cancellable: a cancel stops dispatching here); release it with <see cref="Release"/>.</summary>
    public async Task<Server> AcquireAsync(CancellationToken ct)
    {
        await free.WaitAsync(ct);
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
        free.Release();
    }

    public sealed class Server(Uri baseUrl, int capacity)
    {
        /// <summary>The OpenAI-compatible base, ending in <c>/v1/</c>.</summary>
        public Uri BaseUrl { get; } = baseUrl;
        public int Capacity { get; } = capacity;
        internal int InFlight { get; set; }

        /// <summary><c>/v1/chat/completions</c> on this server.</summary>
        public Uri UrlOf(string endpoint) =>
            new(BaseUrl, endpoint.StartsWith("/v1/", StringComparison.Ordinal) ? endpoint["/v1/".Length..] : endpoint.TrimStart('/'));
    }
}
