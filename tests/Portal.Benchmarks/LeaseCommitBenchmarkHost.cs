using System.Security.Claims;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Benchmarks;

/// <summary>
/// The whole portal in this process (as the tests host it, without HTTP) on a fresh database: SQLite in a temp
/// folder, or a new PostgreSQL database on the given server, dropped afterwards. Jobs are enqueued to the real
/// job storage but no job server runs, so only quoting and signing are measured. (The type argument is any
/// type of the portal's assembly: this console app's own top-level <c>Program</c> would hide the portal's.)
/// <paramref name="settings"/> and <paramref name="services"/> are applied last (the batch benchmark sets the simulator's
/// latency and the file root, and may swap the model server's HTTP handler).
/// </summary>
internal sealed class LeaseCommitBenchmarkHost(string? postgresServer, IReadOnlyDictionary<string, string>? settings = null,
    Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Portal.Web.Components.App>
{
    private readonly string folder = Directory.CreateTempSubdirectory("portal-bench-").FullName;
    private string? postgresDatabase;

    /// <summary>The PostgreSQL database made for this run (null on SQLite).</summary>
    public string? PostgresDatabase => postgresDatabase;

    public string Describe => postgresDatabase is null ? $"SQLite (WAL) in {folder}" : $"PostgreSQL database {postgresDatabase}";

    public static string RepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) return dir.FullName;
        throw new InvalidOperationException("Portal.sln not found above the current directory.");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepoRoot());
        builder.UseEnvironment("Production");
        builder.UseSetting("Support:Email", "support@bench.local");
        builder.UseSetting("Support:Password", "support-password-for-the-benchmark");
        builder.UseSetting("Jobs:RunServer", "false");
        builder.UseSetting("Pool:ReservationDelayMs", "0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
        // Sixteen signers across eight tenants quote thousands of leases: the limits on quotes would only measure refusals.
        builder.UseSetting("Leases:UnverifiedGpuQuota", "100000");
        builder.UseSetting("Spend:UnverifiedCeilingMicros", "1000000000000000");
        builder.UseSetting("Leases:MaxOpenHolds", "100000");
        builder.UseSetting("Leases:QuotesPerMinute", "6000000");
        if (postgresServer is not null)
        {
            postgresDatabase = "portal_bench_" + Guid.NewGuid().ToString("N")[..12];
            using (var conn = new NpgsqlConnection(postgresServer))
            {
                conn.Open();
                using var cmd = new NpgsqlCommand($"CREATE DATABASE {postgresDatabase}", conn);
                cmd.ExecuteNonQuery();
            }
            builder.UseSetting("Database:Provider", "PostgreSql");
            builder.UseSetting("ConnectionStrings:Portal", new NpgsqlConnectionStringBuilder(postgresServer) { Database = postgresDatabase }.ToString());
        }
        else
        {
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:Portal", $"Data Source={Path.Combine(folder, "portal.db")}");
        }
        if (services is not null) builder.ConfigureServices(services);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) builder.UseSetting(key, value);
    }

    /// <summary>A new organisation with a confirmed Owner.</summary>
    public async Task<(Guid TenantId, string UserId)> NewTenantAsync(string name)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = $"{Guid.NewGuid():N}@bench.local";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = DateTime.UtcNow };
        var created = await users.CreateAsync(user, "a long benchmark passphrase");
        if (!created.Succeeded) throw new InvalidOperationException(string.Join("; ", created.Errors.Select(e => e.Description)));
        var tenant = await scope.ServiceProvider.GetRequiredService<OrganizationService>()
            .CreateAsync(user.Id, name, OrganizationService.SuggestSlug(name));
        return (tenant.Id, user.Id);
    }

    /// <summary>A scope acting as this member, resolved as the middleware resolves a signed-in request.</summary>
    public async Task<AsyncServiceScope> AsAsync(string userId)
    {
        var scope = Services.CreateAsyncScope();
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId)], "Benchmark"));
        await scope.ServiceProvider.GetRequiredService<TenantResolver>().ResolveAsync(principal, scope.ServiceProvider.GetRequiredService<CurrentTenant>());
        var origin = scope.ServiceProvider.GetRequiredService<AuditOrigin>();
        origin.UserId = userId;
        origin.UserName = $"{userId}@bench.local";
        origin.IpAddress = "198.51.100.20";
        origin.UserAgent = "Portal.Benchmarks/1.0";
        return scope;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(postgresServer);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {postgresDatabase} WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}

