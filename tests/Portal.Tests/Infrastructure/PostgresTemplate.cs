using Hangfire.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Core.Data;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// One database per test run holding the portal's schema (EF migrations and Hangfire's tables), copied for each
/// factory with <c>CREATE DATABASE ... TEMPLATE</c>: a copy is a file copy, while migrating a fresh database and
/// installing Hangfire's schema in it was a large share of the PostgreSQL phase. The copy holds no rows: every factory
/// still migrates (nothing to do) and seeds with its own settings at start, as the portal does on a new server.
/// </summary>
internal static class PostgresTemplate
{
    private static readonly Lock Gate = new();
    private static string? template;

    public static void CreateDatabase(string server, string database)
    {
        // One copy at a time: PostgreSQL refuses to copy a template that another session is connected to.
        lock (Gate)
        {
            template ??= Build(server);
            Execute(server, $"CREATE DATABASE {database} TEMPLATE {template}");
        }
    }

    private static string Build(string server)
    {
        var name = "portal_template_" + Guid.NewGuid().ToString("N")[..12];
        Execute(server, $"CREATE DATABASE {name}");
        // No pooling: a connection left open in a pool would keep every later copy from starting.
        var connection = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = false }.ToString();
        var options = new DbContextOptionsBuilder<PortalDbContext>()
            .UseNpgsql(connection, o => o.MigrationsAssembly(DatabaseSettings.PostgreSqlMigrations))
            // Built outside the portal's host, the model misses Identity's configured store options; the migrations applied
            // are the migration files all the same, and each factory's own start checks its model against them.
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning)).Options;
        using (var db = new PortalDbContext(options, new PortalLocks())) db.Database.Migrate();
        // Hangfire's tables, as the portal's job storage installs them at start.
#pragma warning disable CS0618 // the connection-string overload, as JobsServiceCollectionExtensions uses it
        _ = new PostgreSqlStorage(connection, new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true });
#pragma warning restore CS0618
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Execute(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)"); }
            catch (NpgsqlException) { } // the throwaway server may already be gone
        };
        return name;
    }

    private static void Execute(string server, string sql)
    {
        using var conn = new NpgsqlConnection(server);
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }
}
