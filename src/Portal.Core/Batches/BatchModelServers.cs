using System.Collections.Concurrent;
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
        await server.Slots.WaitAsync(ct);
        return server;
    }

    public sealed class Server(Uri baseUrl, int capacity)
    {
        /// <summary>The OpenAI-compatible base, ending in <c>/v1/</c>.</summary>
        public Uri BaseUrl { get; } = baseUrl;
        internal SemaphoreSlim Slots { get; } = new(capacity, capacity);
        public int FreeSlots => Slots.CurrentCount;

        public void Release() => Slots.Release();

        /// <summary><c>/v1/chat/completions</c> on this server.</summary>
        public Uri UrlOf(string endpoint) =>
            new(BaseUrl, endpoint.StartsWith("/v1/", StringComparison.Ordinal) ? endpoint["/v1/".Length..] : endpoint.TrimStart('/'));
    }
}
