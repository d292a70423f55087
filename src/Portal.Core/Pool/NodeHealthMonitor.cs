using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Portal.Core.Pool;

/// <summary>
/// Runs <see cref="SyncNodeStatesJob"/> every <c>Pool:HealthPollSeconds</c> (default 5) in the process that runs
/// the job server, so a failed node shows on its leases within seconds rather than at the next minutely sync.
/// The interval is wall-clock polling, like Hangfire's own, not lease time.
/// </summary>
public sealed class NodeHealthMonitor(IServiceScopeFactory scopes, PoolEndpoint endpoint, IConfiguration config,
    ILogger<NodeHealthMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, config.GetValue("Pool:HealthPollSeconds", 5)));
        using var timer = new PeriodicTimer(interval);
        var failing = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!endpoint.IsSet) continue; // the embedded pool is still starting
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<SyncNodeStatesJob>().RunAsync(stoppingToken);
                    if (failing) logger.LogInformation("The GPU pool answers node health polls again");
                    failing = false;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // Once per outage, not every few seconds.
                    if (!failing) logger.LogWarning(e, "Polling the GPU pool's node states failed; retrying every {Interval}", interval);
                    failing = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
