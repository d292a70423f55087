using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

/// <summary>
/// Issue 16: accounts registered before CreatedAt was stamped read "Created 1 Jan 0001"; the FixUserCreatedAt migration
/// dates them from their first audit event, or else from when it ran. Runs on whichever provider the tests use.
/// </summary>
public sealed class FixUserCreatedAtMigrationTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Undated_accounts_get_their_first_audit_event_or_the_migration_time_and_dated_ones_keep_theirs()
    {
        var withHistory = await factory.CreateUserAsync();
        var withoutHistory = await factory.CreateUserAsync();
        var dated = await factory.CreateUserAsync();
        var firstSeen = new DateTime(2026, 11, 3, 8, 15, 0, DateTimeKind.Utc);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        db.AuditEvents.AddRange(
            new AuditEvent
            {
                At = firstSeen.AddDays(2), ActorUserId = withHistory.Id, ActorName = "x", Action = "api_key.created", TargetType = "ApiKey", TargetId = "1",
            },
            new AuditEvent { At = firstSeen, ActorName = "x", Action = "user.signed_in", TargetType = "User", TargetId = withHistory.Id });
        await db.SaveChangesAsync();
        await db.Users.Where(u => u.Id == withHistory.Id || u.Id == withoutHistory.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.CreatedAt, default(DateTime)));

        // Back to just before the migration and forward again: its Up runs on these rows.
        var migrations = db.Database.GetMigrations().ToList();
        var index = migrations.FindIndex(m => m.EndsWith("_FixUserCreatedAt", StringComparison.Ordinal));
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(migrations[index - 1]);
        var before = DateTime.UtcNow.AddSeconds(-5);
        await migrator.MigrateAsync();

        var created = await db.Users.AsNoTracking().Where(u => u.Id == withHistory.Id || u.Id == withoutHistory.Id || u.Id == dated.Id)
            .ToDictionaryAsync(u => u.Id, u => u.CreatedAt);
        Assert.Equal(firstSeen, created[withHistory.Id]);
        Assert.InRange(created[withoutHistory.Id], before, DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(dated.CreatedAt, created[dated.Id], TimeSpan.FromMilliseconds(1));
    }
}
