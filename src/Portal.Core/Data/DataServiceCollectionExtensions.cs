using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Core.Tenancy;

namespace Portal.Core.Data;

public enum DatabaseProvider { Sqlite, PostgreSql }

/// <summary>Which database, from <c>Database:Provider</c> and <c>ConnectionStrings:Portal</c>.</summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    public const string SqliteMigrations = "Portal.Migrations.Sqlite";
    public const string PostgreSqlMigrations = "Portal.Migrations.PostgreSql";

    public static DatabaseSettings From(IConfiguration config, string contentRoot)
    {
        var provider = Enum.TryParse<DatabaseProvider>(config["Database:Provider"], ignoreCase: true, out var p) ? p : DatabaseProvider.Sqlite;
        var cs = config.GetConnectionString("Portal");
        if (provider == DatabaseProvider.PostgreSql)
        {
            var pg = new NpgsqlConnectionStringBuilder(
                cs ?? throw new InvalidOperationException("Database:Provider is PostgreSql but ConnectionStrings:Portal is not set."));
            // Prepared statements unless the operator chose otherwise: the lease benchmark measured PostgreSQL's own
            // CPU per committed lease halve (16 -> 8 ms) when the planner stops re-planning the same few queries.
            if (pg.MaxAutoPrepare == 0)
            {
                pg.MaxAutoPrepare = 100;
                pg.AutoPrepareMinUsages = 2;
            }
            return new(provider, pg.ToString());
        }

        // Relative SQLite paths resolve against the content root, not whatever directory we were started from.
        var sqlite = new SqliteConnectionStringBuilder(cs ?? "Data Source=data/portal.db");
        if (sqlite.DataSource != ":memory:" && !Path.IsPathRooted(sqlite.DataSource))
            sqlite.DataSource = Path.GetFullPath(Path.Combine(contentRoot, sqlite.DataSource));
        return new(provider, sqlite.ToString()) { SqlitePragmas = new(config["Database:SqliteSynchronous"] ?? "NORMAL") };
    }

    /// <summary>What every SQLite connection is set to when opened (<see cref="SqliteConnectionPragmas"/>).</summary>
    public SqliteConnectionPragmas? SqlitePragmas { get; init; }

    /// <summary>The folder that holds the SQLite files (database and job storage).</summary>
    public string? SqliteFolder => Provider == DatabaseProvider.Sqlite
        ? Path.GetDirectoryName(new SqliteConnectionStringBuilder(ConnectionString).DataSource)
        : null;

    /// <summary>
    /// The portal's own (EF Core) connections. On PostgreSQL they skip the session reset when a pooled connection goes back
    /// (<c>No Reset On Close</c>) unless the connection string sets it: the portal leaves no session state behind (its locks
    /// are transaction locks; the batch runner's advisory lock has its own unpooled connection), and the reset cost the
    /// database ~3 ms of CPU per committed lease in the lease benchmark. The job storage keeps <see cref="ConnectionString"/>.
    /// </summary>
    public string PortalConnectionString => Provider == DatabaseProvider.PostgreSql && !SetsResetOnClose(ConnectionString)
        ? new NpgsqlConnectionStringBuilder(ConnectionString) { NoResetOnClose = true }.ToString()
        : ConnectionString;

    private static bool SetsResetOnClose(string cs)
    {
        var set = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = cs };
        return set.ContainsKey("No Reset On Close") || set.ContainsKey("NoResetOnClose");
    }

    public void Configure(DbContextOptionsBuilder options)
    {
        if (Provider == DatabaseProvider.PostgreSql)
            options.UseNpgsql(PortalConnectionString, o => o.MigrationsAssembly(PostgreSqlMigrations));
        else
        {
            options.UseSqlite(ConnectionString, o => o.MigrationsAssembly(SqliteMigrations));
            if (SqlitePragmas is not null) options.AddInterceptors(SqlitePragmas);
        }
    }
}

public static class DataServiceCollectionExtensions
{
    public static IServiceCollection AddPortalData(this IServiceCollection services, IConfiguration config, string contentRoot)
    {
        var settings = DatabaseSettings.From(config, contentRoot);
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TenantSaveInterceptor>();
        services.AddScoped<CurrentTenant>();
        services.AddSingleton<PortalLocks>(); // its SQLite gates live as long as the portal, shared by all its contexts
        // Scoped factory: each context it makes sees the current request's or circuit's tenant.
        services.AddDbContextFactory<PortalDbContext>((sp, options) =>
        {
            settings.Configure(options);
            options.AddInterceptors(sp.GetRequiredService<TenantSaveInterceptor>());
        }, ServiceLifetime.Scoped);
        services.AddHealthChecks().AddDbContextCheck<PortalDbContext>("database");
        // Keys in the database: cookies survive restarts and work across web processes.
        services.AddDataProtection().SetApplicationName("Portal").PersistKeysToDbContext<PortalDbContext>();
        return services;
    }
}
