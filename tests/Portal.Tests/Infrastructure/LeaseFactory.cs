using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Tenancy;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// The portal on a fake clock (starting at a whole hour), for lease tests that move time through a whole
/// lease without waiting. <see cref="As"/> gives the services a member of a tenant would use.
/// </summary>
public class LeaseFactory : PortalFactory
{
    public static readonly DateTimeOffset Epoch = new(2027, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Epoch);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public DateTime Now => Clock.GetUtcNow().UtcDateTime;
    public DateTime ThisHour => new(Now.Ticks - Now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);

    /// <summary>A scope whose <see cref="CurrentTenant"/> and <see cref="AuditOrigin"/> are this member's.</summary>
    public async Task<MemberScope> As(Guid tenantId, string userId)
    {
        var scope = Services.CreateAsyncScope();
        await using (var db = CreateDbContext(scope))
        {
            var membership = await db.Memberships.Include(m => m.Tenant).FirstAsync(m => m.TenantId == tenantId && m.UserId == userId);
            var user = await db.Users.FirstAsync(u => u.Id == userId);
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(userId, false, membership);
            var origin = scope.ServiceProvider.GetRequiredService<AuditOrigin>();
            origin.UserId = userId;
            origin.UserName = user.Email;
            origin.IpAddress = "203.0.113.7";
            origin.UserAgent = "LeaseTests/1.0";
        }
        return new MemberScope(scope);
    }

    /// <summary>A new organisation with an Owner, ready to lease.</summary>
    public async Task<(Guid TenantId, string OwnerId)> NewTenantAsync(string? name = null)
    {
        var owner = await CreateUserAsync();
        var tenant = await CreateOrganizationAsync(owner, name);
        return (tenant.Id, owner.Id);
    }
}

public sealed class MemberScope(AsyncServiceScope scope) : IAsyncDisposable
{
    public IServiceProvider Services => scope.ServiceProvider;
    public LeaseQueries Queries => Get<LeaseQueries>();
    public LeaseAvailability Availability => Get<LeaseAvailability>();
    public LeaseQuoting Quoting => Get<LeaseQuoting>();
    public LeaseSigning Signing => Get<LeaseSigning>();
    public LeaseExtending Extending => Get<LeaseExtending>();
    public ExtensionSigning ExtensionSigning => Get<ExtensionSigning>();
    public LeaseCancelling Cancelling => Get<LeaseCancelling>();
    public T Get<T>() where T : notnull => scope.ServiceProvider.GetRequiredService<T>();
    public ValueTask DisposeAsync() => scope.DisposeAsync();
}
