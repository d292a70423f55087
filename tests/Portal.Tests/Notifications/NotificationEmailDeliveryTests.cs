using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Notifications;
using Portal.Tests.Infrastructure;
using Portal.Tests.ScriptJobs;

namespace Portal.Tests.Notifications;

/// <summary>
/// The e-mail of each notification reaches the embedded outbox once: a delivery run writes the messages and marks the
/// notifications sent in one commit (not two per message, which the script-job queue paid for every job that ended).
/// </summary>
public sealed class NotificationEmailDeliveryTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task A_run_puts_each_pending_notice_in_the_outbox_once_and_marks_them_all_in_one_commit()
    {
        var ada = await factory.CreateUserAsync();
        var org = await factory.CreateOrganizationAsync(ada, "Ada Mail");
        var subject = $"Job succeeded: {Guid.NewGuid():N}";
        using (var scope = factory.Services.CreateScope())
        {
            await using var db = factory.CreateDbContext(scope).ForTenant(org.Id);
            for (var i = 0; i < 5; i++)
                db.Notifications.Add(new Notification
                {
                    UserId = ada.Id, Kind = "job.ended", Title = $"{subject} {i}", Body = "It used 0 GPU-hours.", Link = "/jobs/x",
                    CreatedAt = factory.Now,
                });
            await db.SaveChangesAsync();
        }

        using var counter = new SqlCommandCounter(ConnectionString());
        await RunAsync();
        var commits = counter.Commits;
        await RunAsync(); // nothing left to send

        Assert.Equal(1, commits);
        using var check = factory.Services.CreateScope();
        await using var read = factory.CreateDbContext(check).ActAsSupport();
        var sent = await read.OutboxEmails.Where(e => e.Subject.StartsWith(subject)).ToListAsync();
        Assert.Equal(5, sent.Count);
        Assert.All(sent, e => Assert.Equal(ada.Email, e.To));
        Assert.Equal(5, sent.Select(e => e.Subject).Distinct().Count());
        Assert.False(await read.Notifications.AnyAsync(n => n.Title.StartsWith(subject) && n.EmailedAt == null));
    }

    private async Task RunAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DeliverNotificationEmailsJob>().RunAsync();
    }

    private string ConnectionString()
    {
        using var scope = factory.Services.CreateScope();
        using var db = factory.CreateDbContext(scope);
        return db.Database.GetConnectionString()!;
    }
}
