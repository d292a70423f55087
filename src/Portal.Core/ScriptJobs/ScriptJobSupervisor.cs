using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Follows script jobs in the process that runs the job server: a <see cref="ScriptJobSweep"/> pass, then a wait
/// of <see cref="ScriptJobOptions.PollIntervalMs"/> or until a launch or cancel in this process wakes it
/// (<see cref="ScriptJobSignal"/>). A failing pass is logged and the loop goes on; shutdown stops it between calls.
/// Nothing is held in memory between passes, so a restarted process picks up where the database says.
/// </summary>
public sealed class ScriptJobSupervisor(IServiceScopeFactory scopes, ScriptJobSignal signal, PoolEndpoint endpoint,
    IOptions<ScriptJobOptions> options, ILogger<ScriptJobSupervisor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(50, options.Value.PollIntervalMs));
        var failing = false;
        var seen = -1L; // the pool's task change number the last pass saw at least (-1: not known, or no open jobs)
        var busy = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (endpoint.IsSet) // the embedded pool is up
                {
                    try
                    {
                        await using var scope = scopes.CreateAsyncScope();
                        // Only while jobs are open, and only when not known yet: after a wait on the pool, the number it
                        // answered is older than what this pass reads, so no change is missed and none costs a second call.
                        if (busy && seen < 0) seen = await scope.ServiceProvider.GetRequiredService<IGpuPoolDriver>()
                            .WaitForTaskChangeAsync(-1, TimeSpan.Zero, stoppingToken);
                        busy = await scope.ServiceProvider.GetRequiredService<ScriptJobSweep>().RunAsync(stoppingToken);
                        if (failing) logger.LogInformation("Script jobs are followed again");
                        failing = false;
                    }
                    catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                    {
                        // Once per outage, not at every poll.
                        if (!failing) logger.LogError(e, "Following script jobs failed; retrying every {Interval}", interval);
                        failing = true;
                    }
                }
                if (!busy) seen = -1; // no open jobs: nothing to wait on at the pool (asked again when jobs come)
                seen = await WaitAsync(seen, interval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Until a launch or cancel here wakes it, a task changes state on the pool (so the next queued job starts at once), or
    /// the poll interval passes, whichever comes first. Returns the pool's change number when the pool answered one
    /// (the next pass starts from it), else <paramref name="seen"/>.
    /// </summary>
    private async Task<long> WaitAsync(long seen, TimeSpan interval, CancellationToken stoppingToken)
    {
        using var first = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var woken = signal.WaitAsync(interval, first.Token);
        var changed = endpoint.IsSet && seen >= 0 ? PoolChangeAsync(seen, interval, first.Token) : Task.FromResult(seen);
        if (seen >= 0) await Task.WhenAny(woken, changed);
        else await woken;
        await first.CancelAsync();
        try { await woken; }
        catch (OperationCanceledException) { }
        var answered = await changed; // never throws: a cancelled wait answers what it was given
        stoppingToken.ThrowIfCancellationRequested();
        return answered;
    }

    private async Task<long> PoolChangeAsync(long seen, TimeSpan interval, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IGpuPoolDriver>().WaitForTaskChangeAsync(seen, interval, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return seen; // woken by a launch or cancel here first
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            try { await Task.Delay(interval, ct); } // the pool is away: the signal or the interval decides
            catch (OperationCanceledException) { }
            return seen;
        }
    }
}
