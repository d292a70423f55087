using Microsoft.Extensions.Configuration;
using Npgsql;
using Portal.Core.Data;

namespace Portal.Tests.Data;

/// <summary>
/// Issue 17: the portal's own PostgreSQL connections skip the session reset of a pooled connection (it cost the database
/// CPU on every committed lease) unless the operator's connection string says otherwise; the job storage keeps the reset.
/// </summary>
public class PostgresConnectionSettingsTests
{
    private static DatabaseSettings Settings(string connectionString) => DatabaseSettings.From(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSql",
            ["ConnectionStrings:Portal"] = connectionString,
        }).Build(), "/");

    [Fact]
    public void The_portals_connections_skip_the_pool_reset_and_the_job_storage_keeps_it()
    {
        var settings = Settings("Host=db;Username=portal;Password=secret;Database=portal");
        Assert.True(new NpgsqlConnectionStringBuilder(settings.PortalConnectionString).NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(settings.ConnectionString).NoResetOnClose);
        Assert.Equal(100, new NpgsqlConnectionStringBuilder(settings.PortalConnectionString).MaxAutoPrepare);
    }

    [Fact]
    public void An_operator_who_sets_the_reset_keeps_their_choice()
    {
        var settings = Settings("Host=db;Username=portal;Password=secret;Database=portal;No Reset On Close=false");
        Assert.False(new NpgsqlConnectionStringBuilder(settings.PortalConnectionString).NoResetOnClose);
    }
}
