using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Batches;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// The kill test's own host beside real portal processes that share its database and a region on the test Slurm cluster.
/// This host runs no job server and reaches no pool: it arranges (tenant, lease, launch) and reads; the portal processes
/// provision, run and follow everything on Slurm.
/// </summary>
public sealed class SlurmKillFactory : PortalFactory
{
    public const string Region = "slurm-lab";
    private readonly string folder = Directory.CreateTempSubdirectory("portal-slurm-kill-").FullName;

    public string KeptJobs => Path.Combine(folder, "jobs");

    private static IEnumerable<KeyValuePair<string, string?>> RegionSettings() =>
    [
        new($"Pool:Regions:{Region}:Driver", "Slurm"), new($"Pool:Regions:{Region}:Name", "Slurm lab"),
        new($"Pool:Regions:{Region}:Slurm:Conf", SlurmCluster.Conf), new($"Pool:Regions:{Region}:Slurm:JobRoot", SlurmCluster.JobRoot),
        new($"Pool:Regions:{Region}:Slurm:Sku", "h100-sxm-80gb"),
    ];

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ScriptJobs:Root", KeptJobs),
        // Nothing listens there: this host never runs anything on a pool itself.
        new("Pool:SimulatorUrl", "http://127.0.0.1:9/"),
        .. RegionSettings(),
    ];

    /// <summary>What a portal process needs to be the same deployment as this host, with its job server on.</summary>
    public IEnumerable<string> PortalSettings()
    {
        var database = Services.GetRequiredService<DatabaseSettings>();
        return
        [
            $"--Database:Provider={database.Provider}", $"--ConnectionStrings:Portal={database.ConnectionString}",
            $"--Files:Root={Services.GetRequiredService<BatchFileStore>().Root}",
            $"--ScriptJobs:Root={KeptJobs}", $"--Pool:TaskRoot={Path.Combine(folder, "tasks")}",
            $"--Support:Email={SupportEmail}", $"--Support:Password={SupportPassword}",
            "--Jobs:RunServer=true", "--Jobs:PollIntervalMs=200", "--ScriptJobs:PollIntervalMs=200", "--Pool:ReservationDelayMs=0",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            .. RegionSettings().Select(kv => $"--{kv.Key}={kv.Value}"),
        ];
    }

    public async Task<AsyncServiceScope> AsMemberAsync(Guid tenantId, string userId)
    {
        var scope = Services.CreateAsyncScope();
        await using var db = CreateDbContext(scope);
        var membership = await db.Memberships.Include(m => m.Tenant).FirstAsync(m => m.TenantId == tenantId && m.UserId == userId);
        var user = await db.Users.FirstAsync(u => u.Id == userId);
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(userId, false, membership);
        var origin = scope.ServiceProvider.GetRequiredService<AuditOrigin>();
        (origin.UserId, origin.UserName, origin.IpAddress, origin.UserAgent) = (userId, user.Email, "203.0.113.8", "SlurmKillTests/1.0");
        return scope;
    }

    /// <summary>A new organisation whose Owner signed a whole Slurm node from this hour: Scheduled, for a portal process to provision.</summary>
    public async Task<(Guid TenantId, string OwnerId, Guid LeaseId)> SignedLeaseAsync()
    {
        var owner = await CreateUserAsync();
        var tenant = await CreateOrganizationAsync(owner, "Slurm Kill Labs");
        await using var member = await AsMemberAsync(tenant.Id, owner.Id);
        var now = DateTime.UtcNow;
        var thisHour = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        var held = await member.ServiceProvider.GetRequiredService<LeaseQuoting>().HoldAsync(new LeaseRequest(Region, "h100-sxm-80gb", 8, thisHour, 4));
        await member.ServiceProvider.GetRequiredService<LeaseSigning>().SignAsync(held.Id, "Grace Hopper", accepted: true);
        return (tenant.Id, owner.Id, held.Id);
    }

    public void DeleteFolders()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
