using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Portal.Web.Catalog;

/// <summary>
/// The public catalog pages as a visitor (signed out) gets them, kept while <see cref="CatalogChangeStamp"/> reads the same and
/// until their hour or first hold ends. Only whole anonymous pages are kept: a signed-in visitor's layout names them, so
/// their pages are always rendered. The per-response script nonce is cut out of a kept page and each hit gets its own.
/// </summary>
public sealed class CatalogPageCache
{
    /// <summary>Kept pages at most (every filter combination is a URL): past this the cache starts again.</summary>
    public const int MaxPages = 256;

    /// <summary>A page bigger than this is not kept.</summary>
    public const int MaxPageBytes = 512 * 1024;

    private readonly ConcurrentDictionary<string, KeptPage> pages = new();
    private long hits;

    /// <summary>Pages served from the cache since the start (for tests and the benchmark).</summary>
    public long Hits => Interlocked.Read(ref hits);

    internal sealed record KeptPage(string Stamp, DateTime ValidUntil, KeyValuePair<string, StringValues>[] Headers, byte[][] Pieces);

    internal KeptPage? Find(string key, string stamp, DateTime now)
    {
        if (!pages.TryGetValue(key, out var page) || page.Stamp != stamp || now >= page.ValidUntil) return null;
        Interlocked.Increment(ref hits);
        return page;
    }

    internal void Keep(string key, string stamp, DateTime validUntil, KeyValuePair<string, StringValues>[] headers, byte[] body,
        string nonce)
    {
        if (body.Length > MaxPageBytes) return;
        if (pages.Count >= MaxPages) pages.Clear();
        pages[key] = new KeptPage(stamp, validUntil, headers, Split(body, Encoding.ASCII.GetBytes(nonce)));
    }

    // The body in pieces around each occurrence of the nonce (hex, so its bytes are the same in UTF-8).
    private static byte[][] Split(byte[] body, byte[] nonce)
    {
        var pieces = new List<byte[]>();
        var rest = body.AsSpan();
        int at;
        while (nonce.Length > 0 && (at = rest.IndexOf(nonce)) >= 0)
        {
            pieces.Add(rest[..at].ToArray());
            rest = rest[(at + nonce.Length)..];
        }
        pieces.Add(rest.ToArray());
        return [.. pieces];
    }
}
