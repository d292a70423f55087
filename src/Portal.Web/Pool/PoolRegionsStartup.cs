using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Pool;

namespace Portal.Web.Pool;

/// <summary>
/// At startup, regions on their own driver (a Slurm cluster) enter the catalog: their Region row before the pool starts,
/// and their nodes through one node-state sync once it has, so the first page already offers them.
/// </summary>
public static class PoolRegionsStartup
{
    public static async Task AddPoolRegionsAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<PoolOptions>>().Value;
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var added = await PoolRegionCatalog.AddRegionsAsync(db, options);
        if (added > 0) app.Logger.LogInformation("{Count} regions on their own pool driver added to the catalog", added);
    }

    public static async Task SyncPoolRegionsAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<PoolOptions>>().Value;
        if (PoolRegionCatalog.AllOnSimulator(options)) return;
        try
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SyncNodeStatesJob>().RunAsync(app.Lifetime.ApplicationStopping);
        }
        catch (Exception e) when (!app.Lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // A cluster away at startup: the recurring sync adds its nodes once it answers.
            app.Logger.LogWarning(e, "The first node sync of the pool failed; the recurring sync retries");
        }
    }
}
