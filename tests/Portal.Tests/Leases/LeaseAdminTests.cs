using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;

namespace Portal.Tests.Leases;

/// <summary>Support approves, rejects and terminates leases across tenants; the tenant sees the outcome and the capacity follows.</summary>
public class LeaseAdminTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task A_lease_over_the_threshold_waits_for_support_and_approval_schedules_it()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        Lease signed;
        await using (var member = await factory.As(tenantId, ownerId))
        {
            var held = await member.Quoting.HoldAsync(new LeaseRequest("us-south-1", "h100-sxm-80gb", 72, factory.ThisHour.AddHours(10), 4));
            signed = await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
        }
        Assert.Equal(LeaseState.PendingApproval, signed.State);

        await using var support = await SupportScope.CreateAsync(factory);
        var admin = support.Get<LeaseAdminDecisions>();
        var queries = support.Get<LeaseAdminQueries>();
        Assert.Contains(await queries.ApprovalQueueAsync(), r => r.Id == signed.Id && r.Gpus == 72);

        var approved = await Outcome.Of(admin.ApproveAsync(signed.Id));
        var again = await Outcome.Of(admin.ApproveAsync(signed.Id));

        Assert.True(approved.Succeeded, approved.Message);
        Assert.False(again.Succeeded);
        Assert.Contains("Scheduled", again.Message);
        Assert.DoesNotContain(await queries.ApprovalQueueAsync(), r => r.Id == signed.Id);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var lease = await db.Leases.Include(l => l.Events).FirstAsync(l => l.Id == signed.Id);
        Assert.Equal(LeaseState.Scheduled, lease.State);
        Assert.Equal(factory.Now, lease.DecidedAt);
        Assert.Contains(lease.Events, e => e.Actor == "Support" && e.State == LeaseState.Scheduled && e.Message.Contains("Approved"));
        Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.Action == "lease.approved" && e.TargetId == signed.Id.ToString()
            && e.ActorName == PortalFactory.SupportEmail && e.TenantId == tenantId));
        Assert.Contains(await db.Notifications.Where(n => n.UserId == ownerId && n.Kind == "lease.approval").ToListAsync(),
            n => n.Title.Contains("approved") && n.Link == $"/leases/{signed.Id}");
    }

    [Fact]
    public async Task A_rejected_lease_frees_its_capacity_and_the_tenant_sees_the_reason()
    {
        var (client, tenantId, owner) = await LeaseApiCalls.NewOwnerAsync(factory);
        var window = (Start: factory.ThisHour.AddHours(20), Hours: 6);
        var whole = await ReadyGpusAsync("us-east-2", "b200-180gb");
        var id = await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body("b200-180gb", whole, window.Start, window.Hours, "us-east-2"));
        var signed = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign",
            new { signerName = "Ada Lovelace", accept = true }), HttpStatusCode.OK);
        Assert.Equal("PendingApproval", signed.GetProperty("state").GetString());
        Assert.False(await OthersFitAsync(new LeaseRequest("us-east-2", "b200-180gb", 8, window.Start, window.Hours)));

        await using var support = await SupportScope.CreateAsync(factory);
        var admin = support.Get<LeaseAdminDecisions>();
        var withoutReason = await Outcome.Of(admin.RejectAsync(id, "  "));
        var rejected = await Outcome.Of(admin.RejectAsync(id, "Over the credit line agreed with sales"));

        Assert.False(withoutReason.Succeeded);
        Assert.True(rejected.Succeeded, rejected.Message);
        Assert.True(await OthersFitAsync(new LeaseRequest("us-east-2", "b200-180gb", whole, window.Start, window.Hours)));
        var seen = await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK);
        Assert.Equal("Rejected", seen.GetProperty("state").GetString());
        Assert.Equal("Over the credit line agreed with sales", seen.GetProperty("decision").GetProperty("reason").GetString());
        Assert.All(seen.GetProperty("allocations").EnumerateArray(), a => Assert.Equal("Released", a.GetProperty("status").GetString()));
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.Contains(await db.Notifications.Where(n => n.UserId == owner.Id && n.Kind == "lease.approval").ToListAsync(),
            n => n.Title.Contains("rejected") && n.Body.Contains("Over the credit line agreed with sales"));
        Assert.Equal("Over the credit line agreed with sales",
            (await db.AuditEvents.SingleAsync(e => e.Action == "lease.rejected" && e.TargetId == id.ToString())).Reason);
    }

    [Fact]
    public async Task Terminating_an_active_lease_ends_it_at_this_hour_and_frees_the_rest_at_once()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var whole = await ReadyGpusAsync("us-east-2", "h200-141gb");
        var id = await SignedAndApprovedAsync(tenantId, ownerId, new LeaseRequest("us-east-2", "h200-141gb", whole, factory.ThisHour, 48));
        await ArrangeActiveAsync(id);
        factory.Clock.Advance(TimeSpan.FromHours(2));
        var rest = new LeaseRequest("us-east-2", "h200-141gb", whole, factory.ThisHour, 10);
        Assert.False(await OthersFitAsync(rest));

        await using var support = await SupportScope.CreateAsync(factory);
        var terminated = await Outcome.Of(support.Get<LeaseAdminDecisions>().TerminateAsync(id, "Abuse report #4711: crypto mining"));

        Assert.True(terminated.Succeeded, terminated.Message);
        Assert.True(await OthersFitAsync(rest));
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var lease = await db.Leases.Include(l => l.Allocations).Include(l => l.Events).FirstAsync(l => l.Id == id);
        Assert.Equal(LeaseState.Ending, lease.State);
        Assert.Equal(0, lease.CancellationFeeMicros);
        Assert.Equal("Abuse report #4711: crypto mining", lease.DecisionReason);
        Assert.All(lease.Allocations, a => Assert.Equal(factory.ThisHour, a.End));
        Assert.Contains(lease.Events, e => e.Actor == "Support" && e.Message.Contains("Abuse report #4711"));
        Assert.True(await db.Notifications.AnyAsync(n => n.UserId == ownerId && n.Kind == "lease.terminated" && n.Body.Contains("Abuse report #4711")));
        Assert.True(await db.AuditEvents.AnyAsync(e =>
            e.Action == "lease.terminated" && e.TargetId == id.ToString() && e.Reason == "Abuse report #4711: crypto mining"));
    }

    [Fact]
    public async Task Terminating_a_scheduled_lease_cancels_it_without_a_fee_and_frees_its_capacity()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var whole = await ReadyGpusAsync("us-east-2", "l40s-48gb");
        var window = new LeaseRequest("us-east-2", "l40s-48gb", whole, factory.ThisHour.AddHours(6), 12);
        var id = await SignedAndApprovedAsync(tenantId, ownerId, window);
        Assert.False(await OthersFitAsync(window with { Gpus = 4 }));

        await using var support = await SupportScope.CreateAsync(factory);
        var admin = support.Get<LeaseAdminDecisions>();
        var noReason = await Outcome.Of(admin.TerminateAsync(id, null));
        var terminated = await Outcome.Of(admin.TerminateAsync(id, "Customer asked support to stop it"));
        var twice = await Outcome.Of(admin.TerminateAsync(id, "Customer asked support to stop it"));

        Assert.False(noReason.Succeeded);
        Assert.True(terminated.Succeeded, terminated.Message);
        Assert.False(twice.Succeeded);
        Assert.True(await OthersFitAsync(window));
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var lease = await db.Leases.Include(l => l.Allocations).FirstAsync(l => l.Id == id);
        Assert.Equal(LeaseState.Cancelled, lease.State);
        Assert.Equal(0, lease.CancellationFeeMicros);
        Assert.All(lease.Allocations, a => Assert.Equal(AllocationStatus.Released, a.Status));
    }

    private async Task<Guid> SignedAndApprovedAsync(Guid tenantId, string ownerId, LeaseRequest request)
    {
        await using var member = await factory.As(tenantId, ownerId);
        var held = await member.Quoting.HoldAsync(request);
        var signed = await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
        if (signed.State == LeaseState.PendingApproval)
        {
            await using var support = await SupportScope.CreateAsync(factory);
            var approved = await Outcome.Of(support.Get<LeaseAdminDecisions>().ApproveAsync(held.Id));
            Assert.True(approved.Succeeded, approved.Message);
        }
        return held.Id;
    }

    /// <summary>What the provisioning job does once the pool confirms: here behind the portal's back.</summary>
    private async Task ArrangeActiveAsync(Guid leaseId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var now = factory.Now;
        await db.Allocations.Where(a => a.LeaseId == leaseId).ExecuteUpdateAsync(s => s.SetProperty(a => a.ReservedAt, now));
        await db.Leases.Where(l => l.Id == leaseId)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.State, LeaseState.Active).SetProperty(l => l.ActivatedAt, now));
    }

    private async Task<int> ReadyGpusAsync(string region, string sku)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Nodes.Where(n => n.RegionId == region && n.SkuId == sku && n.State == NodeState.Ready).SumAsync(n => n.GpuCount);
    }

    /// <summary>Whether another tenant would be offered the request now.</summary>
    private async Task<bool> OthersFitAsync(LeaseRequest request)
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var fit = await member.Availability.CheckAsync(request);
        Assert.Empty(fit.Errors);
        return fit.Fits;
    }
}
