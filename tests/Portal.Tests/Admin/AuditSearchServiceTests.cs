using Portal.Core.Admin;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Admin;

/// <summary>The audit log as Support reads it: newest first, filtered by action, target or actor.</summary>
public sealed class AuditSearchServiceTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Lists_newest_first_and_filters_by_action_target_and_actor()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var a = await factory.CreateOrganizationAsync(await factory.CreateUserAsync(), $"Audit Alpha {marker}");
        var b = await factory.CreateOrganizationAsync(await factory.CreateUserAsync(), $"Audit Beta {marker}");
        await using var scope = await SupportScope.CreateAsync(factory);
        var tenants = scope.Get<TenantAdminService>();
        await tenants.SuspendAsync(a.Id, "first");
        await tenants.SuspendAsync(b.Id, "second");
        await tenants.ReactivateAsync(a.Id, "third");
        var audit = scope.Get<AuditSearchService>();

        var all = await audit.SearchAsync(new AuditQuery(Target: marker.ToUpperInvariant()));
        var suspensions = await audit.SearchAsync(new AuditQuery(Action: "tenant.suspended", Target: marker));
        var ofAlpha = await audit.SearchAsync(new AuditQuery(Target: $"alpha {marker}"));
        var bySupport = await audit.SearchAsync(new AuditQuery(Target: marker, Actor: "SUPPORT@"));
        var byNobody = await audit.SearchAsync(new AuditQuery(Target: marker, Actor: "someone-else"));

        // Two tenant.created (by their owners, recorded as "system" here) and three Support actions.
        Assert.Equal(["tenant.reactivated", "tenant.suspended", "tenant.suspended"], all.Items.Take(3).Select(e => e.Action));
        Assert.Equal(["third", "second", "first"], all.Items.Take(3).Select(e => e.Reason));
        Assert.Equal(["second", "first"], suspensions.Items.Select(e => e.Reason));
        Assert.All(ofAlpha.Items, e => Assert.Equal(a.Name, e.TargetName));
        Assert.Equal(3, bySupport.TotalCount);
        Assert.Empty(byNobody.Items);
        Assert.Contains("tenant.suspended", await audit.ActionsAsync());
    }
}
