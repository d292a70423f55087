using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Portal.Core.Batches;

/// <summary>
/// The model servers batch requests go to, each with a bound on requests in flight that holds across every batch
/// this worker runs (a singleton): two batches on one model share its server's slots instead of doubling the load.
/// Deployments that resolve to one base URL (every <c>simulator:</c> deployment is the one embedded simulator) are
/// one server: the bound protects the server, not a catalog row.
/// </summary>
public sealed class BatchModelServers(IOptions<BatchOptions> options)
{
    private readonly ConcurrentDictionary<string, Server> servers = new();

    /// <summary>The servers behind these base URLs (each once).</summary>
    public IReadOnlyList<Server> For(IEnumerable<Uri> baseUrls) =>
        [.. baseUrls.Select(u => u.AbsoluteUri.EndsWith('/') ? u.AbsoluteUri : u.AbsoluteUri + "/").Distinct()
            .Select(u => servers.GetOrAdd(u, url => new Server(new Uri(url), Math.Max(1, options.Value.ConcurrencyPerDeployment))))];

    /// <summary>
    /// Waits for a slot on the least busy of <paramref name="candidates"/> (cancellable: a cancel stops dispatching
    /// here); give it back with <see cref="Server.Release"/>.
    /// </summary>
    public static async Task<Server> AcquireAsync(IReadOnlyList<Server> candidates, CancellationToken ct)
    {
        var server = candidates.MaxBy(s => s.FreeSlots)!;
        await server.Slots.ReadAsync(ct);
        return server;
    }

    public sealed class Server
    {
        // Free slots as tokens. Synchronous continuations: a request that ends hands its slot straight to the waiting
        // producer on the same thread, which reads and sends the next line at once, as a plain loop would (a semaphore
        // queues the producer to the thread pool on every line).
        private readonly Channel<bool> free = Channel.CreateUnbounded<bool>(new UnboundedChannelOptions { AllowSynchronousContinuations = true });

        public Server(Uri baseUrl, int capacity)
        {
            BaseUrl = baseUrl;
            for (var i = 0; i < capacity; i++) free.Writer.TryWrite(true);
        }

        /// <summary>The OpenAI-compatible base, ending in <c>/v1/</c>.</summary>
        public Uri BaseUrl { get; }
        internal ChannelReader<bool> Slots => free.Reader;
        public int FreeSlots => free.Reader.Count;

        public void Release() => free.Writer.TryWrite(true);

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
