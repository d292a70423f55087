using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Identity;

namespace Portal.Core.Data;

/// <summary>First start and every start: create and migrate the database, then seed what is missing.</summary>
public static class DatabaseInitializer
{
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var settings = scope.ServiceProvider.GetRequiredService<DatabaseSettings>();
        if (settings.SqliteFolder is { } folder) Directory.CreateDirectory(folder);

        await using (var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct))
        {
            await db.Database.MigrateAsync(ct);
            // WAL lets readers go on while one writer commits; the setting persists in the file.
            if (settings.Provider == DatabaseProvider.Sqlite)
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await CatalogSeeder.SeedAsync(db, ct);
            var configuration = scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
            var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            await Catalog.Hyperscale.HyperscaleSeeder.SeedIfChosenAsync(db, configuration, now, ct);
        }

        await scope.ServiceProvider.GetRequiredService<SupportAccountSeeder>().SeedAsync();
    }
}
