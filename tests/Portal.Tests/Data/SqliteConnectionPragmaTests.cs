using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Portal.Core.Data;

namespace Portal.Tests.Data;

/// <summary>
/// Every SQLite connection the portal opens commits without waiting for the disk (synchronous NORMAL in WAL: consistent, and
/// a killed portal loses nothing) and waits for a busy write lock in SQLite's own backoff; FULL stays one setting away.
/// </summary>
public class SqliteConnectionPragmaTests
{
    [Theory]
    [InlineData(null, 1L)] // NORMAL by default
    [InlineData("FULL", 2L)]
    public async Task Each_connection_gets_the_synchronous_setting_and_a_busy_timeout_also_when_reused_from_the_pool(string? setting, long expected)
    {
        var folder = Directory.CreateTempSubdirectory("portal-pragmas-").FullName;
        try
        {
            var settings = Settings(folder, setting);
            for (var i = 0; i < 2; i++) // the second context reuses the pooled connection
            {
                await using var db = NewContext(settings);
                Assert.Equal((expected, (long)SqliteConnectionPragmas.BusyTimeoutMilliseconds),
                    (await PragmaAsync(db, "synchronous"), await PragmaAsync(db, "busy_timeout")));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void An_unknown_synchronous_setting_is_refused_with_the_values_it_takes()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Settings(Path.GetTempPath(), "SOMETIMES"));
        Assert.Contains("OFF, NORMAL, FULL, EXTRA", e.Message);
    }

    private static DatabaseSettings Settings(string folder, string? synchronous) =>
        DatabaseSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Portal"] = $"Data Source={Path.Combine(folder, "portal.db")}",
            ["Database:SqliteSynchronous"] = synchronous,
        }).Build(), folder);

    private static PortalDbContext NewContext(DatabaseSettings settings)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        settings.Configure(options);
        return new PortalDbContext(options.Options, new PortalLocks());
    }

    // On the context's own connection, opened the way EF opens it (so the portal's interceptor has run).
    private static async Task<long> PragmaAsync(PortalDbContext db, string name)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = $"PRAGMA {name}";
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally { await db.Database.CloseConnectionAsync(); }
    }
}
