using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.ScriptJobs;

namespace Portal.Tests.Leases;

/// <summary>
/// Issue 17: a committed lease (a quote and its signing) costs the portal and its database per round trip, so the count
/// is pinned: eight commands on PostgreSQL, which sends each save as one batch, and fewer on SQLite, whose saves EF
/// splits where keys are generated. (Eleven on PostgreSQL before the quote took the organisation's lock with the pool's,
/// read the nodes with their allocations, and signing read everything once under the lock it takes from the lease id.)
/// </summary>
public class LeaseCommitRoundTripsTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-south-1";
    private const string Sku = "h100-sxm-80gb";

    [Fact]
    public async Task A_quote_and_its_signing_take_no_more_round_trips_than_pinned_and_still_notify_the_owners_and_admins()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        var admin = await factory.CreateUserAsync();
        var member = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenant.Id, admin, TenantRole.Admin);
        await factory.AddMemberAsync(tenant.Id, member, TenantRole.Member);
        await using var scope = await factory.As(tenant.Id, owner.Id);
        // The first lease of a pool may create its lock row: count the second one, as every later lease runs.
        await CommitAsync(scope, factory.ThisHour.AddHours(2));

        using var counter = new SqlCommandCounter(ConnectionString());
        var signed = await CommitAsync(scope, factory.ThisHour.AddHours(40));
        var commands = counter.Count;

        var most = factory.OnPostgres ? 8 : 17;
        Assert.True(commands <= most, 
            $"A quote and its signing ran {commands} SQL commands; at most {most} expected:\n" +
            string.Join("\n", counter.Texts.Select(t => t.Length > 120 ? t[..120] : t)));
        Assert.Equal(LeaseState.Scheduled, signed.State);
        using var read = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(read).ForTenant(tenant.Id);
        var told = await db.Set<Notification>().Where(n => n.Kind == "lease.signed" && n.Link!.Contains(signed.Id.ToString()))
            .Select(n => n.UserId).ToListAsync();
        Assert.Equal(new[] { owner.Id, admin.Id }.Order(), told.Order());
    }

    private static async Task<Lease> CommitAsync(MemberScope scope, DateTime start)
    {
        var held = await scope.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 2, start, 4));
        return await scope.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
    }

    private string ConnectionString()
    {
        using var scope = factory.Services.CreateScope();
        using var db = factory.CreateDbContext(scope);
        return db.Database.GetConnectionString()!;
    }
}
