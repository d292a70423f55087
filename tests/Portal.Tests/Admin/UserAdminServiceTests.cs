using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;

namespace Portal.Tests.Admin;

/// <summary>Support locks and unlocks accounts; the real sign-in form honours it, and the audit log says who and why.</summary>
public sealed class UserAdminServiceTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task A_locked_user_cannot_sign_in_until_Support_unlocks_them()
    {
        var user = await factory.CreateUserAsync();
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<UserAdminService>();

        var locked = await Outcome.Of(service.LockAsync(user.Id, "Chargeback fraud report"));
        Assert.True(locked.Succeeded, locked.Message);

        using (var client = factory.CreatePortalClient())
        {
            var refused = await client.SignInAsync(user.Email!);
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.Contains("Account/Lockout", refused.Headers.Location!.OriginalString);
        }

        var unlocked = await Outcome.Of(service.UnlockAsync(user.Id, "Customer verified by phone"));
        Assert.True(unlocked.Succeeded, unlocked.Message);

        using (var client = factory.CreatePortalClient())
        {
            await SignIn.SucceedsAsync(client, user.Email!);
        }

        await using var db = factory.CreateDbContext(scope);
        // Support's own actions; the sign-in attempts in between are recorded about the user too (issue 16).
        var events = await db.AuditEvents.Where(e => e.TargetType == "User" && e.TargetId == user.Id
                && (e.Action == "user.locked" || e.Action == "user.unlocked"))
            .OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(["user.locked", "user.unlocked"], events.Select(e => e.Action));
        Assert.Equal(["Chargeback fraud report", "Customer verified by phone"], events.Select(e => e.Reason));
        Assert.All(events, e =>
        {
            Assert.Equal(PortalFactory.SupportEmail, e.ActorName);
            Assert.Equal(user.Email, e.TargetName);
            Assert.Equal(SupportScope.IpAddress, e.IpAddress);
        });
    }

    [Fact]
    public async Task Unlocking_ends_a_lock_from_failed_passwords_and_forgets_the_failures()
    {
        var user = await factory.CreateUserAsync();
        using (var client = factory.CreatePortalClient())
            for (var i = 0; i < 5; i++) await client.SignInAsync(user.Email!, "not the password at all");
        using (var client = factory.CreatePortalClient())
            Assert.Contains("Account/Lockout", (await client.SignInAsync(user.Email!)).Headers.Location?.OriginalString);
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<UserAdminService>();
        var before = await service.GetAsync(user.Id);
        Assert.True(before!.IsLocked);
        Assert.False(before.IsLockedIndefinitely);

        Assert.True((await Outcome.Of(service.UnlockAsync(user.Id, "Forgot password, verified"))).Succeeded);

        using (var client = factory.CreatePortalClient())
            await SignIn.SucceedsAsync(client, user.Email!);
        Assert.Equal(0, (await service.GetAsync(user.Id))!.AccessFailedCount);
    }

    [Fact]
    public async Task Support_cannot_lock_their_own_account()
    {
        await using var scope = await SupportScope.CreateAsync(factory);
        var self = (await scope.Get<UserAdminService>().SearchAsync(PortalFactory.SupportEmail)).Items.Single();

        var outcome = await Outcome.Of(scope.Get<UserAdminService>().LockAsync(self.Id, "Testing myself"));

        Assert.False(outcome.Succeeded);
        Assert.Contains("your own account", outcome.Message);
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, PortalFactory.SupportEmail, PortalFactory.SupportPassword);
    }

    [Fact]
    public async Task Locking_needs_a_reason_and_neither_a_second_lock_nor_unlocking_an_open_account_changes_anything()
    {
        var user = await factory.CreateUserAsync();
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<UserAdminService>();

        Assert.False((await Outcome.Of(service.LockAsync(user.Id, " "))).Succeeded);
        Assert.False((await Outcome.Of(service.UnlockAsync(user.Id, "Not locked anyway"))).Succeeded);
        Assert.False((await service.GetAsync(user.Id))!.IsLocked);

        Assert.True((await Outcome.Of(service.LockAsync(user.Id, "Abuse report"))).Succeeded);
        var again = await Outcome.Of(service.LockAsync(user.Id, "Second time"));
        Assert.False(again.Succeeded);
        Assert.Contains("already locked", again.Message);

        await using var db = factory.CreateDbContext(scope);
        var events = await db.AuditEvents.Where(e => e.TargetId == user.Id).Select(e => e.Reason).ToListAsync();
        Assert.Equal(["Abuse report"], events);
    }

    [Fact]
    public async Task Search_finds_users_by_part_of_the_email_ignoring_case_with_memberships_lock_state_and_roles()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var user = await factory.CreateUserAsync($"Grace.{marker}@Example.com");
        var tenant = await factory.CreateOrganizationAsync(await factory.CreateUserAsync(), $"Hopper Labs {marker}");
        await factory.AddMemberAsync(tenant.Id, user, TenantRole.Admin);
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<UserAdminService>();
        await service.LockAsync(user.Id, "Shared credentials");

        var found = await service.SearchAsync($"GRACE.{marker}@example");

        var row = Assert.Single(found.Items);
        Assert.Equal(user.Id, row.Id);
        Assert.True(row.IsLocked);
        Assert.True(row.EmailConfirmed);
        Assert.False(row.IsSupport);
        var membership = Assert.Single(row.Memberships);
        Assert.Equal((tenant.Id, tenant.Name, TenantRole.Admin), (membership.TenantId, membership.TenantName, membership.Role));
        Assert.True(Assert.Single((await service.SearchAsync("SUPPORT@test.LOCAL")).Items).IsSupport);
    }
}
