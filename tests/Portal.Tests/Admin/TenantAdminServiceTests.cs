using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Admin;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;

namespace Portal.Tests.Admin;

/// <summary>Support suspends, reactivates, finds and opens tenants; each change is audited with who, why and from where.</summary>
public sealed class TenantAdminServiceTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Suspending_with_a_reason_suspends_the_tenant_and_records_who_why_and_from_where()
    {
        var tenant = await NewTenantAsync();
        await using var scope = await SupportScope.CreateAsync(factory);

        var outcome = await Outcome.Of(scope.Get<TenantAdminService>().SuspendAsync(tenant.Id, "  Unpaid invoice INV-1042  "));

        Assert.True(outcome.Succeeded, outcome.Message);
        await using var db = factory.CreateDbContext(scope);
        var stored = await db.Tenants.SingleAsync(t => t.Id == tenant.Id);
        Assert.Equal(TenantState.Suspended, stored.State);
        Assert.Equal("Unpaid invoice INV-1042", stored.SuspendedReason);
        var e = await db.AuditEvents.SingleAsync(e => e.TargetId == tenant.Id.ToString() && e.Action == "tenant.suspended");
        Assert.Equal(PortalFactory.SupportEmail, e.ActorName);
        Assert.NotNull(e.ActorUserId);
        Assert.Equal("Tenant", e.TargetType);
        Assert.Equal(tenant.Name, e.TargetName);
        Assert.Equal(tenant.Id, e.TenantId);
        Assert.Equal("Unpaid invoice INV-1042", e.Reason);
        Assert.Equal(SupportScope.IpAddress, e.IpAddress);
        Assert.Equal(SupportScope.UserAgent, e.UserAgent);
        Assert.True(DateTime.UtcNow - e.At < TimeSpan.FromMinutes(1), $"recorded at {e.At:O}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(" ab ")]
    [InlineData("x501")]
    public async Task Suspending_without_a_proper_reason_is_refused_and_writes_nothing(string? reason)
    {
        if (reason == "x501") reason = new string('x', 501);
        var tenant = await NewTenantAsync();
        await using var scope = await SupportScope.CreateAsync(factory);

        var outcome = await Outcome.Of(scope.Get<TenantAdminService>().SuspendAsync(tenant.Id, reason));

        Assert.False(outcome.Succeeded);
        Assert.Contains("reason", outcome.Message, StringComparison.OrdinalIgnoreCase);
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(TenantState.Active, (await db.Tenants.SingleAsync(t => t.Id == tenant.Id)).State);
        Assert.False(await db.AuditEvents.AnyAsync(e => e.TargetId == tenant.Id.ToString() && e.Action == "tenant.suspended"));
    }

    [Fact]
    public async Task Suspending_a_suspended_tenant_is_refused_and_keeps_the_first_reason()
    {
        var tenant = await NewTenantAsync();
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<TenantAdminService>();
        Assert.True((await Outcome.Of(service.SuspendAsync(tenant.Id, "First reason"))).Succeeded);

        var again = await Outcome.Of(service.SuspendAsync(tenant.Id, "Second reason"));

        Assert.False(again.Succeeded);
        Assert.Contains("already suspended", again.Message);
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal("First reason", (await db.Tenants.SingleAsync(t => t.Id == tenant.Id)).SuspendedReason);
        Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.TargetId == tenant.Id.ToString() && e.Action == "tenant.suspended"));
    }

    [Fact]
    public async Task Reactivating_makes_the_tenant_active_again_and_is_audited_but_an_active_one_cannot_be_reactivated()
    {
        var tenant = await NewTenantAsync();
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<TenantAdminService>();

        var early = await Outcome.Of(service.ReactivateAsync(tenant.Id, "Nothing to undo"));
        Assert.False(early.Succeeded);
        Assert.Contains("already active", early.Message);

        Assert.True((await Outcome.Of(service.SuspendAsync(tenant.Id, "Card declined"))).Succeeded);
        var outcome = await Outcome.Of(service.ReactivateAsync(tenant.Id, "Paid by wire"));

        Assert.True(outcome.Succeeded, outcome.Message);
        await using var db = factory.CreateDbContext(scope);
        var stored = await db.Tenants.SingleAsync(t => t.Id == tenant.Id);
        Assert.Equal(TenantState.Active, stored.State);
        Assert.Null(stored.SuspendedReason);
        var actions = await db.AuditEvents.Where(e => e.TargetId == tenant.Id.ToString() && e.Action != "tenant.created")
            .OrderBy(e => e.Id).Select(e => new { e.Action, e.Reason }).ToListAsync();
        Assert.Equal([("tenant.suspended", "Card declined"), ("tenant.reactivated", "Paid by wire")],
            actions.Select(a => (a.Action, a.Reason)));
    }

    [Fact]
    public async Task Search_finds_tenants_by_part_of_the_name_or_slug_ignoring_case_with_their_member_count()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        var owner = await factory.CreateUserAsync();
        var match = await factory.CreateOrganizationAsync(owner, $"Quantum Llama {marker}");
        await factory.AddMemberAsync(match.Id, await factory.CreateUserAsync(), TenantRole.Member);
        await factory.CreateOrganizationAsync(owner, $"Other Org {marker}");
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<TenantAdminService>();

        var byName = await service.SearchAsync($"lLaMa {marker.ToUpperInvariant()}");
        var bySlug = await service.SearchAsync($"quantum-llama-{marker}");

        var row = Assert.Single(byName.Items);
        Assert.Equal(match.Id, row.Id);
        Assert.Equal(2, row.MemberCount);
        Assert.Equal(TenantState.Active, row.State);
        Assert.Equal(match.Id, Assert.Single(bySlug.Items).Id);
        Assert.Equal(2, (await service.SearchAsync(marker)).TotalCount);
    }

    [Fact]
    public async Task Search_pages_through_many_tenants()
    {
        var marker = "page" + Guid.NewGuid().ToString("N")[..6];
        var owner = await factory.CreateUserAsync();
        for (var i = 0; i < 7; i++) await factory.CreateOrganizationAsync(owner, $"{marker} {i:00}");
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<TenantAdminService>();

        var first = await service.SearchAsync(marker, page: 1, pageSize: 3);
        var last = await service.SearchAsync(marker, page: 3, pageSize: 3);

        Assert.Equal(7, first.TotalCount);
        Assert.Equal(3, first.PageCount);
        Assert.Equal([$"{marker} 00", $"{marker} 01", $"{marker} 02"], first.Items.Select(t => t.Name));
        Assert.Equal([$"{marker} 06"], last.Items.Select(t => t.Name));
    }

    [Fact]
    public async Task Opening_a_tenant_shows_its_members_and_is_audited_once_per_visit()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        var viewer = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenant.Id, viewer, TenantRole.Viewer);
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<TenantAdminService>();

        var detail = await service.OpenAsync(tenant.Id);
        await service.OpenAsync(tenant.Id); // prerender, then the interactive render: one visit

        Assert.NotNull(detail);
        Assert.Equal([(owner.Email, TenantRole.Owner), (viewer.Email, TenantRole.Viewer)], detail.Members.Select(m => (m.Email, m.Role)));
        await using var db = factory.CreateDbContext(scope);
        var viewed = await db.AuditEvents.Where(e => e.TargetId == tenant.Id.ToString() && e.Action == "tenant.viewed").ToListAsync();
        var e = Assert.Single(viewed);
        Assert.Equal(PortalFactory.SupportEmail, e.ActorName);
        Assert.Equal(tenant.Id, e.TenantId);
        Assert.Null(await service.OpenAsync(Guid.NewGuid()));
    }

    private async Task<Tenant> NewTenantAsync() => await factory.CreateOrganizationAsync(await factory.CreateUserAsync());
}
