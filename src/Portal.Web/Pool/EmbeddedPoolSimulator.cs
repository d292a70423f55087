using GpuPool.Simulator;

namespace Portal.Web.Pool;

/// <summary>
/// The embedded simulator that stands in for the pool when no <c>Pool:SimulatorUrl</c> is set. A singleton, so the
/// host's container stops it (awaited, not blocked on) when the portal shuts down.
/// </summary>
public sealed class EmbeddedPoolSimulator : IAsyncDisposable
{
    private RunningSimulator? running;

    public async Task<Uri> StartAsync(SimulatorOptions options, CancellationToken ct)
    {
        running = await SimulatorHost.StartAsync(options, ct);
        return running.BaseUrl;
    }

    public async ValueTask DisposeAsync()
    {
        if (running is not null) await running.DisposeAsync();
        running = null;
    }
}
