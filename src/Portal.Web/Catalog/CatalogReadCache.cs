using Portal.Core.Catalog;

namespace Portal.Web.Catalog;

/// <summary>
/// The catalog's reads (regions, SKUs with their node counts, models) as of one <see cref="CatalogChangeStamp"/>, shared by
/// every request, signed in or not, until the stamp moves: the signed-in catalog pages render their own layout but not their
/// own reads (the node count per pool scans every node). Nothing in them depends on the time of day or on holds.
/// </summary>
public sealed class CatalogReadCache
{
    private readonly Stamped<List<Region>> regions = new();
    private readonly Stamped<List<SkuView>> skus = new();
    private readonly Stamped<List<ModelView>> models = new();
    private long reads;

    /// <summary>How many times a part was read from the database (for tests).</summary>
    public long Reads => Interlocked.Read(ref reads);

    internal Task<List<Region>> RegionsAsync(string stamp, Func<Task<List<Region>>> read) => regions.GetAsync(stamp, Counted(read));
    internal Task<List<SkuView>> SkusAsync(string stamp, Func<Task<List<SkuView>>> read) => skus.GetAsync(stamp, Counted(read));
    internal Task<List<ModelView>> ModelsAsync(string stamp, Func<Task<List<ModelView>>> read) => models.GetAsync(stamp, Counted(read));

    private Func<Task<T>> Counted<T>(Func<Task<T>> read) => () =>
    {
        Interlocked.Increment(ref reads);
        return read();
    };

    // One value and the stamp it was read under (read after the stamp, so never older than it); concurrent readers of a new
    // stamp may each read once, and the last one stays.
    private sealed class Stamped<T>
    {
        private (string Stamp, Task<T> Value)? current;

        public Task<T> GetAsync(string stamp, Func<Task<T>> read)
        {
            var seen = current;
            if (seen is { } s && s.Stamp == stamp && !s.Value.IsFaulted && !s.Value.IsCanceled) return s.Value;
            var value = read();
            current = (stamp, value);
            return value;
        }
    }
}
