using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Batches;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The test's own portal host on the real clock, sharing its database, job storage, kept logs and task folder with the
/// real portal processes the kill test starts (<see cref="PortalSettings"/>). This host has no pool of its own and runs no
/// job server: it arranges (tenant, lease, launch) and reads; the portal processes do all the work.
/// </summary>
public sealed class ScriptJobKillFactory : PortalFactory
{
    private readonly string folder = Directory.CreateTempSubdirectory("portal-kill-").FullName;

    public string KeptJobs => Path.Combine(folder, "jobs");
    public string TaskRoot => Path.Combine(folder, "tasks");
    /// <summary>
    /// Where the test's script leaves its marks (starts, its pid) and finds the test's go-ahead; open to all, since a pool
    /// running as root runs tasks as an unprivileged user where it can.
    /// </summary>
    public string Marks
    {
        get
        {
            var marks = Directory.CreateDirectory(Path.Combine(folder, "marks")).FullName;
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(marks, (UnixFileMode)0b111_111_111); // rwx for all, whatever the umask
            return marks;
        }
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ScriptJobs:Root", KeptJobs),
        // Nothing listens there: if this host ever reached for a pool, the test would fail loudly instead of using a second simulator.
        new("Pool:SimulatorUrl", "http://127.0.0.1:9/"),
    ];

    /// <summary>What a portal process needs to be the same deployment as this host: database, files, kept logs, the pool's task folder.</summary>
    public IEnumerable<string> PortalSettings()
    {
        var database = Services.GetRequiredService<DatabaseSettings>();
        return
        [
            $"--Database:Provider={database.Provider}", $"--ConnectionStrings:Portal={database.ConnectionString}",
            $"--Files:Root={Services.GetRequiredService<BatchFileStore>().Root}",
            $"--ScriptJobs:Root={KeptJobs}", $"--Pool:TaskRoot={TaskRoot}",
            $"--Support:Email={SupportEmail}", $"--Support:Password={SupportPassword}",
            "--Jobs:RunServer=true", "--Jobs:PollIntervalMs=200", "--ScriptJobs:PollIntervalMs=200",
            // Provisioning at once, and GPU samples every second so that samples after the restart come soon.
            "--Pool:ReservationDelayMs=0", "--Pool:LatencyMultiplier=0", "--Pool:MetricsIntervalMs=1000", "--ScriptJobs:MetricsPollSeconds=1",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        ];
    }

    /// <summary>A scope acting as this member of the tenant (its <see cref="CurrentTenant"/> and <see cref="AuditOrigin"/>).</summary>
    public async Task<AsyncServiceScope> AsMemberAsync(Guid tenantId, string userId)
    {
        var scope = Services.CreateAsyncScope();
        await using var db = CreateDbContext(scope);
        var membership = await db.Memberships.Include(m => m.Tenant).FirstAsync(m => m.TenantId == tenantId && m.UserId == userId);
        var user = await db.Users.FirstAsync(u => u.Id == userId);
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(userId, false, membership);
        var origin = scope.ServiceProvider.GetRequiredService<AuditOrigin>();
        (origin.UserId, origin.UserName, origin.IpAddress, origin.UserAgent) = (userId, user.Email, "203.0.113.7", "ScriptJobKillTests/1.0");
        return scope;
    }

    /// <summary>
    /// A new organisation whose Owner signed a lease of <paramref name="gpus"/> H100s from this hour: Scheduled, to be provisioned by a portal process.
    /// </summary>
    public async Task<(Guid TenantId, string OwnerId, Guid LeaseId)> SignedLeaseAsync(int gpus)
    {
        var owner = await CreateUserAsync();
        var tenant = await CreateOrganizationAsync(owner, "Kill Test Labs");
        await using var member = await AsMemberAsync(tenant.Id, owner.Id);
        var now = DateTime.UtcNow;
        var thisHour = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        var held = await member.ServiceProvider.GetRequiredService<LeaseQuoting>()
            .HoldAsync(new LeaseRequest("us-east-2", "h100-sxm-80gb", gpus, thisHour, 4));
        await member.ServiceProvider.GetRequiredService<LeaseSigning>().SignAsync(held.Id, "Ada Lovelace", accepted: true);
        return (tenant.Id, owner.Id, held.Id);
    }

    /// <summary>After the host is disposed (the test owns this factory, not xunit: see <see cref="ScriptJobKillTests"/>).</summary>
    public void DeleteFolders()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
