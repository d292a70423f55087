using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Portal.Benchmarks;

/// <summary>
/// HTTP requests this process's HttpClients completed, by method (the runtime's own <c>http.client.request.duration</c>
/// of the System.Net.Http meter): in the script-job benchmark these are the portal's calls to its embedded pool, a figure
/// that does not move with the machine's load as time and CPU do.
/// </summary>
internal sealed class HttpRequestCount : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, int> byMethod = new();

    public HttpRequestCount()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            var method = "?";
            foreach (var tag in tags)
                if (tag.Key == "http.request.method") method = tag.Value?.ToString() ?? "?";
            byMethod.AddOrUpdate(method, 1, (_, n) => n + 1);
        });
        listener.Start();
    }

    public int Total => byMethod.Values.Sum();

    public string Describe() => string.Join(", ", byMethod.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value:N0}"));

    public void Dispose() => listener.Dispose();
}
