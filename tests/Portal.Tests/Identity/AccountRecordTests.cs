using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Admin;
using Portal.Core.Audit;
using Portal.Core.Identity;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Identity;

/// <summary>
/// Issue 16, Support's first morning: a self-registered account knows when it was made, and its sign-ins, wrong passwords
/// and lockouts are in the audit log where Support's user page reads them.
/// </summary>
public sealed class AccountRecordTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Registering_through_the_form_stamps_when_the_account_was_made()
    {
        var email = $"new-{Guid.NewGuid():N}@example.com";
        var before = DateTime.UtcNow.AddSeconds(-1);
        using var client = factory.CreatePortalClient();
        await client.SubmitFormAsync("/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email, ["Input.Password"] = "a long enough passphrase", ["Input.ConfirmPassword"] = "a long enough passphrase",
        });

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var created = await db.Users.Where(u => u.Email == email).Select(u => u.CreatedAt).SingleAsync();
        Assert.InRange(created, before, DateTime.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Wrong_passwords_a_lockout_and_a_sign_in_are_recorded_about_the_account_by_its_holder()
    {
        var locked = await factory.CreateUserAsync();
        using (var client = factory.CreatePortalClient())
            for (var i = 0; i < 6; i++) await client.SignInAsync(locked.Email!, "not the password at all");
        var fine = await factory.CreateUserAsync();
        using (var client = factory.CreatePortalClient())
            await client.SignInOrFailAsync(fine.Email!);

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        // Five wrong passwords lock the account (the fifth locks it); the sixth is refused as locked.
        Assert.Equal(
            [SignInAudit.SignInFailed, SignInAudit.SignInFailed, SignInAudit.SignInFailed, SignInAudit.SignInFailed, SignInAudit.LockedOut,
             SignInAudit.SignInFailed],
            await Actions(db, locked.Id));
        Assert.Equal([SignInAudit.SignedIn], await Actions(db, fine.Id));
        var signedIn = await db.AuditEvents.SingleAsync(e => e.TargetId == fine.Id);
        Assert.Equal(fine.Id, signedIn.ActorUserId);
        Assert.Equal(fine.Email, signedIn.ActorName);

        var activity = scope.ServiceProvider.GetRequiredService<UserActivity>();
        var facts = (await activity.SignInsAsync(locked.Id))!;
        Assert.Null(facts.LastSignIn);
        Assert.Equal((5, 1), (facts.FailedSince, facts.Lockouts));
        Assert.NotNull((await activity.SignInsAsync(fine.Id))!.LastSignIn);
    }

    [Fact]
    public async Task A_users_activity_holds_what_they_did_as_well_as_what_was_done_to_them()
    {
        var user = await factory.CreateUserAsync();
        using var scope = factory.Services.CreateScope();
        await using (var db = factory.CreateDbContext(scope))
        {
            // What the user did (an API key) is recorded with the user as actor and the key as target.
            db.AuditEvents.Add(new AuditEvent
            {
                At = DateTime.UtcNow, ActorUserId = user.Id, ActorName = user.Email!, Action = "api_key.created", TargetType = "ApiKey",
                TargetId = Guid.NewGuid().ToString(), TargetName = "ci (sk-portal-ab…)",
            });
            db.AuditEvents.Add(new AuditEvent
            {
                At = DateTime.UtcNow, ActorName = "support@example.com", Action = AdminActions.UserLocked, TargetType = AdminActions.UserTarget,
                TargetId = user.Id, TargetName = user.Email,
            });
            await db.SaveChangesAsync();
        }

        var events = await scope.ServiceProvider.GetRequiredService<UserActivity>().EventsAsync(user.Id);
        Assert.Equal([AdminActions.UserLocked, "api_key.created"], events.Select(e => e.Action));
    }

    private static Task<List<string>> Actions(Portal.Core.Data.PortalDbContext db, string userId) =>
        db.AuditEvents.Where(e => e.TargetType == AdminActions.UserTarget && e.TargetId == userId).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync();
}
