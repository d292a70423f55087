using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Notifications;
using Portal.Core.Spend;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Spend.SpendKit;

namespace Portal.Tests.Spend;

/// <summary>Owners (and the billing address) are warned at 50, 80 and 100 % of the monthly limit: once each per month.</summary>
public class SpendWarningTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task Warnings_go_out_once_per_threshold_and_month_even_when_the_job_runs_twice_and_again_next_month()
    {
        factory.Clock.SetUtcNow(Utc(2027, 3, 20, 10, 20));
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var admin = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenantId, admin, TenantRole.Admin);
        var billing = $"billing-{Guid.NewGuid():N}@example.com";
        await LimitsAsync(factory, tenantId, limit: 100 * Dollar, billingEmail: billing);

        await UsageAsync(factory, tenantId, Utc(2027, 3, 20, 8), 49 * Dollar);
        await RunJobTwiceAsync();
        Assert.Empty(await WarningsAsync(tenantId));

        await UsageAsync(factory, tenantId, Utc(2027, 3, 20, 9), 6 * Dollar); // $55: 50 %
        await RunJobTwiceAsync();
        Assert.Equal([(3, 50)], await WarningsAsync(tenantId));

        // A jump past both 80 and 100 % records both and tells the Owner once, of the higher.
        await UsageAsync(factory, tenantId, Utc(2027, 3, 20, 10), 50 * Dollar);
        await RunJobTwiceAsync();
        Assert.Equal([(3, 50), (3, 80), (3, 100)], await WarningsAsync(tenantId));

        // Next month starts again from nothing, and warns again.
        factory.Clock.SetUtcNow(Utc(2027, 4, 2, 0, 20));
        await UsageAsync(factory, tenantId, Utc(2027, 4, 1, 12), 70 * Dollar);
        await RunJobTwiceAsync();
        Assert.Equal([(3, 50), (3, 80), (3, 100), (4, 50)], await WarningsAsync(tenantId));

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope).ActAsSupport();
        var notes = await db.Set<Notification>().Where(n => n.TenantId == tenantId && n.Kind == SpendWarningJob.NotificationKind)
            .OrderBy(n => n.Id).ToListAsync();
        Assert.All(notes, n => Assert.Equal(ownerId, n.UserId)); // Owners only, not the Admin
        Assert.Equal(3, notes.Count);
        Assert.EndsWith("has used 50% of its monthly spend limit", notes[0].Title);
        Assert.EndsWith("reached its monthly spend limit", notes[1].Title);
        Assert.EndsWith("has used 50% of its monthly spend limit", notes[2].Title);
        Assert.Contains("$105.00 of the $100.00 monthly limit", notes[1].Body);
        var mails = await db.OutboxEmails.Where(m => m.To == billing).OrderBy(m => m.Id).Select(m => m.Subject).ToListAsync();
        Assert.Equal(3, mails.Count);
        Assert.Contains("reached its monthly spend limit", mails[1]);
    }

    private async Task RunJobTwiceAsync()
    {
        for (var i = 0; i < 2; i++)
        {
            using var scope = factory.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<SpendWarningJob>().RunAsync();
        }
    }

    private async Task<List<(int Month, int Percent)>> WarningsAsync(Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope).ActAsSupport();
        var rows = await db.SpendWarnings.Where(w => w.TenantId == tenantId).OrderBy(w => w.MonthStart).ThenBy(w => w.Percent)
            .Select(w => new { w.MonthStart, w.Percent }).ToListAsync();
        return [.. rows.Select(r => (r.MonthStart.Month, r.Percent))];
    }
}
