using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Data;
using Portal.Core.Email;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Jobs;

public sealed class PurgeOutboxJobTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Purges_only_messages_past_retention_and_a_second_run_changes_nothing()
    {
        var now = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        var to = $"purge-{Guid.NewGuid():N}@example.com";
        using var scope = factory.Services.CreateScope();
        await using (var db = factory.CreateDbContext(scope))
        {
            db.OutboxEmails.AddRange(
                new OutboxEmail { To = to, Subject = "old", HtmlBody = "x", CreatedAt = now.UtcDateTime.AddDays(-8) },
                new OutboxEmail { To = to, Subject = "edge", HtmlBody = "x", CreatedAt = now.UtcDateTime.AddDays(-7).AddMinutes(1) },
                new OutboxEmail { To = to, Subject = "new", HtmlBody = "x", CreatedAt = now.UtcDateTime.AddHours(-1) });
            await db.SaveChangesAsync();
        }

        var job = new PurgeOutboxJob(scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>(),
            new FakeTimeProvider(now), Options.Create(new EmailOptions { OutboxRetentionDays = 7 }), NullLogger<PurgeOutboxJob>.Instance);

        await job.RunAsync();
        var afterFirst = await Subjects(scope, to);
        await job.RunAsync(); // at least once, maybe twice
        var afterSecond = await Subjects(scope, to);

        Assert.Equal(["edge", "new"], afterFirst);
        Assert.Equal(afterFirst, afterSecond);
    }

    [Fact]
    public void The_purge_is_registered_as_an_hourly_recurring_job_at_start()
    {
        var storage = factory.Services.GetRequiredService<JobStorage>();
        using var connection = storage.GetConnection();
        var recurring = connection.GetRecurringJobs();
        var purge = Assert.Single(recurring, j => j.Id == PurgeOutboxJob.RecurringId);
        Assert.Equal(Cron.Hourly(), purge.Cron);
        Assert.Equal(typeof(PurgeOutboxJob), purge.Job.Type);
    }

    private async Task<List<string>> Subjects(IServiceScope scope, string to)
    {
        await using var db = factory.CreateDbContext(scope);
        return await db.OutboxEmails.Where(m => m.To == to).OrderBy(m => m.Subject).Select(m => m.Subject).ToListAsync();
    }
}
