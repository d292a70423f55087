using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Core.ApiKeys;
using Portal.Core.Audit;
using Portal.Core.Batches;
using Portal.Core.Data;
using Portal.Core.Pool;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.ScaleOut;

/// <summary>
/// The scale-out test's own host: it creates the database and serves the one simulated pool (its embedded simulator) that
/// the real web and worker processes share through <c>Pool:SimulatorUrl</c>; it runs no job server and serves no user. It
/// arranges (an organisation, an API key) and reads (the database, Hangfire's tables, the pool's own view).
/// </summary>
public sealed class ScaleOutFactory : PortalFactory
{
    /// <summary>Long enough that a worker is still inside the pool's answer when the test sees the GPUs taken.</summary>
    public const int ReservationDelayMs = 6000;

    private readonly string folder = Directory.CreateTempSubdirectory("portal-scale-").FullName;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Pool:ReservationDelayMs", ReservationDelayMs.ToString()),
        // ~80 ms a chat line: a batch of a few hundred lines runs for seconds, long enough to be killed halfway.
        new("Pool:LatencyMultiplier", "1"),
        new("ScriptJobs:Root", Path.Combine(folder, "jobs")),
        new("Pool:TaskRoot", Path.Combine(folder, "pool")),
    ];

    public Uri PoolUrl => Services.GetRequiredService<PoolEndpoint>().BaseUrl;

    /// <summary>A portal process of this deployment in <paramref name="role"/>: same database, files and pool.</summary>
    public IEnumerable<string> ProcessSettings(string role)
    {
        var database = Services.GetRequiredService<DatabaseSettings>();
        return
        [
            $"--Hosting:Role={role}",
            $"--Database:Provider={database.Provider}", $"--ConnectionStrings:Portal={database.ConnectionString}",
            $"--Files:Root={Services.GetRequiredService<BatchFileStore>().Root}",
            $"--ScriptJobs:Root={Path.Combine(folder, "jobs")}", $"--Pool:SimulatorUrl={PoolUrl}",
            $"--Support:Email={SupportEmail}", $"--Support:Password={SupportPassword}",
            // A killed worker's jobs run again elsewhere after 10 s (the default is minutes); live ones renew every 2 s.
            "--Jobs:PollIntervalMs=200", "--Jobs:InvisibilityTimeoutSeconds=10",
            "--Batches:CheckpointEveryLines=20", "--Batches:CheckpointIntervalMs=200",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            .. NoQuoteLimits.Select(kv => $"--{kv.Key}={kv.Value}"),
            .. GenerousRateLimits.Select(limit => $"--RateLimits:{limit}=1000000"),
        ];
    }

    /// <summary>A new organisation and its Owner's API key (leases, batches, reads), as the Owner would make it on the keys page.</summary>
    public async Task<(Guid TenantId, string Secret)> OrganisationWithKeyAsync()
    {
        var owner = await CreateUserAsync();
        var tenant = await CreateOrganizationAsync(owner, "Scale-out Labs");
        await using var scope = Services.CreateAsyncScope();
        await using (var db = CreateDbContext(scope))
        {
            var membership = await db.Memberships.Include(m => m.Tenant).FirstAsync(m => m.TenantId == tenant.Id && m.UserId == owner.Id);
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(owner.Id, false, membership);
        }
        var origin = scope.ServiceProvider.GetRequiredService<AuditOrigin>();
        (origin.UserId, origin.UserName, origin.IpAddress, origin.UserAgent) = (owner.Id, owner.Email, "203.0.113.9", "ScaleOutTests/1.0");
        var key = await scope.ServiceProvider.GetRequiredService<ApiKeyService>()
            .CreateAsync("scale-out", ApiKeyScopes.Read | ApiKeyScopes.Leases | ApiKeyScopes.Batches);
        return (tenant.Id, key.Secret);
    }

    public async Task<T> ReadAsync<T>(Func<PortalDbContext, Task<T>> read)
    {
        using var scope = Services.CreateScope();
        await using var db = CreateDbContext(scope);
        return await read(db);
    }

    /// <summary>
    /// The process id of the worker whose Hangfire server is running <paramref name="jobType"/> for <paramref name="argument"/>
    /// now (the Processing state's ServerId is "host:pid:guid"), or null when no worker runs it.
    /// </summary>
    public async Task<int?> ProcessRunningAsync(string jobType, string argument)
    {
        await using var connection = new NpgsqlConnection(Services.GetRequiredService<DatabaseSettings>().ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT s.data->>'ServerId' FROM hangfire.job j JOIN hangfire.state s ON s.id = j.stateid
            WHERE j.statename = 'Processing' AND j.invocationdata::text LIKE @type AND j.arguments::text LIKE @argument
            ORDER BY s.id DESC LIMIT 1
            """, connection);
        command.Parameters.AddWithValue("type", $"%{jobType}%");
        command.Parameters.AddWithValue("argument", $"%{argument}%");
        return await command.ExecuteScalarAsync() is string serverId && serverId.Split(':') is { Length: >= 3 } parts
            && int.TryParse(parts[^2], out var pid) ? pid : null;
    }

    /// <summary>Every Hangfire state of the matching jobs, oldest first ("Processing by 1234 at 19:30:01.2"): who ran what, for the test's log.</summary>
    public async Task<List<string>> JobHistoryAsync(string jobType, string argument)
    {
        await using var connection = new NpgsqlConnection(Services.GetRequiredService<DatabaseSettings>().ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT j.id, s.name, coalesce(split_part(s.data->>'ServerId', ':', 2), ''), s.createdat
            FROM hangfire.state s JOIN hangfire.job j ON j.id = s.jobid
            WHERE j.invocationdata::text LIKE @type AND j.arguments::text LIKE @argument ORDER BY s.id
            """, connection);
        command.Parameters.AddWithValue("type", $"%{jobType}%");
        command.Parameters.AddWithValue("argument", $"%{argument}%");
        var history = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            history.Add($"job {reader.GetInt64(0)} {reader.GetString(1)}{(reader.GetString(2) is { Length: > 0 } pid ? " by " + pid : "")} " +
                $"at {reader.GetDateTime(3):HH:mm:ss.f}");
        return history;
    }

    /// <summary>The pool's own view of its reservations (GET /pool/nodes on the simulator), by allocation id.</summary>
    public async Task<List<PoolReservationView>> PoolReservationsAsync()
    {
        using var http = new HttpClient { BaseAddress = PoolUrl };
        var nodes = await http.GetFromJsonAsync<JsonElement>("pool/nodes");
        return [.. nodes.EnumerateArray().SelectMany(n => n.GetProperty("reservations").EnumerateArray()).Select(r => new PoolReservationView(
            r.GetProperty("nodeId").GetString()!, r.GetProperty("allocationId").GetString()!, r.GetProperty("gpus").GetInt32(),
            r.GetProperty("createdAtUtc").GetDateTime().ToUniversalTime()))];
    }

    public void DeleteFolder()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed record PoolReservationView(string NodeId, string AllocationId, int Gpus, DateTime CreatedAt);

/// <summary>A test that needs PostgreSQL (several processes share one database): skipped, and reported so, without PORTAL_TEST_POSTGRES.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("PORTAL_TEST_POSTGRES")))
            Skip = "PostgreSQL only: set PORTAL_TEST_POSTGRES (several processes share one database).";
    }
}
