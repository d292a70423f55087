using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// The whole portal in memory on its own fresh database: SQLite in a temp folder, or a new PostgreSQL
/// database when PORTAL_TEST_POSTGRES holds a server connection string (scripts/test.sh sets it).
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string SupportEmail = "support@test.local";
    public const string SupportPassword = "support-password-for-tests";
    public const string Password = "correct horse battery";

    private readonly string folder = Directory.CreateTempSubdirectory("portal-tests-").FullName;
    private readonly string? postgresServer = Environment.GetEnvironmentVariable("PORTAL_TEST_POSTGRES");
    private string? postgresDatabase;

    public bool OnPostgres => postgresServer is not null;

    /// <summary>Extra settings a test class needs, applied last.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Unverified tenants lease like verified ones, with as many holds and quotes as a test makes.</summary>
    public static readonly KeyValuePair<string, string?>[] NoQuoteLimits =
    [
        new("Leases:UnverifiedGpuQuota", "100000"), new("Spend:UnverifiedCeilingMicros", "1000000000000000"),
        new("Leases:MaxOpenHolds", "100000"), new("Leases:QuotesPerMinute", "60000"),
    ];
    public static readonly string[] GenerousRateLimits =
        ["SignIn:PerIp", "SignIn:PerAccount", "Register:PerIp", "Register:PerAccount", "PasswordReset:PerIp", "PasswordReset:PerAccount",
         "Api:PerKey", "Api:PerUser", "Api:AnonymousPerIp"];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepoRoot);
        builder.UseEnvironment("Development");
        builder.UseSetting("Support:Email", SupportEmail);
        builder.UseSetting("Support:Password", SupportPassword);
        builder.UseSetting("Jobs:RunServer", "false");
        builder.UseSetting("Files:Root", Path.Combine(folder, "files"));
        builder.UseSetting("ScriptJobs:Root", Path.Combine(folder, "jobs"));
        // The embedded pool answers at once in tests: no provisioning delay, no simulated latency.
        builder.UseSetting("Pool:ReservationDelayMs", "0");
        builder.UseSetting("Pool:LatencyMultiplier", "0");
        builder.UseSetting("Pool:TaskRoot", Path.Combine(folder, "pool"));
        if (postgresServer is not null)
        {
            postgresDatabase = "portal_test_" + Guid.NewGuid().ToString("N")[..12];
            PostgresTemplate.CreateDatabase(postgresServer, postgresDatabase);
            builder.UseSetting("Database:Provider", "PostgreSql");
            builder.UseSetting("ConnectionStrings:Portal", new NpgsqlConnectionStringBuilder(postgresServer) { Database = postgresDatabase }.ToString());
        }
        else
        {
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:Portal", $"Data Source={Path.Combine(folder, "portal.db")}");
        }
        // The limits on quotes out of the way of tests that are not about them (QuoteLimitsFactory puts the defaults back).
        foreach (var (key, value) in NoQuoteLimits) builder.UseSetting(key, value);
        // The suite signs in and calls the APIs many times from one address: limits far above that (RateLimitTests set low ones).
        foreach (var limit in GenerousRateLimits) builder.UseSetting("RateLimits:" + limit, "1000000");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    public Task InitializeAsync()
    {
        _ = Server; // start the host: migrations and seeding run now, not inside the first test
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync()
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

    public PortalClient CreatePortalClient()
    {
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        // What the portal's own pages send with the cookie (see CsrfProtection); CsrfTests leave it out.
        http.DefaultRequestHeaders.Add("X-Portal-Request", "1");
        return new(http);
    }

    /// <summary>A context that sees every tenant, for arranging and checking data behind the portal's back.</summary>
    public PortalDbContext CreateDbContext(IServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext().ActAsSupport();

    /// <summary>A confirmed user, created directly (the sign-up path has its own tests).</summary>
    public async Task<ApplicationUser> CreateUserAsync(string? email = null, string password = Password)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        email ??= $"user-{Guid.NewGuid():N}@example.com";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = DateTime.UtcNow };
        var result = await users.CreateAsync(user, password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        return user;
    }

    /// <summary>A new organisation with <paramref name="owner"/> as Owner.</summary>
    public async Task<Tenant> CreateOrganizationAsync(ApplicationUser owner, string? name = null)
    {
        using var scope = Services.CreateScope();
        var orgs = scope.ServiceProvider.GetRequiredService<OrganizationService>();
        name ??= "Org " + Guid.NewGuid().ToString("N")[..8];
        return await orgs.CreateAsync(owner.Id, name, OrganizationService.SuggestSlug(name));
    }

    /// <summary>Adds <paramref name="user"/> to a tenant with a role.</summary>
    public async Task<Membership> AddMemberAsync(Guid tenantId, ApplicationUser user, TenantRole role)
    {
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope).ForTenant(tenantId);
        var membership = new Membership { UserId = user.Id, Role = role, CreatedAt = DateTime.UtcNow };
        db.Memberships.Add(membership);
        await db.SaveChangesAsync();
        return membership;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) return dir.FullName;
        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }
}
