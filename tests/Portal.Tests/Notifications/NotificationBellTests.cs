using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.Notifications;

namespace Portal.Tests.Notifications;

/// <summary>The bell counts the signed-in member's unread notifications in the organisation they are in, and nobody else's.</summary>
public sealed class NotificationBellTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task The_bell_counts_only_this_members_unread_notifications_in_this_organisation()
    {
        var ada = await factory.CreateUserAsync();
        var first = await factory.CreateOrganizationAsync(ada, "Ada First");
        var current = await factory.CreateOrganizationAsync(ada, "Ada Current"); // the newest is the one she is in
        var colleague = await factory.CreateUserAsync();
        await factory.AddMemberAsync(current.Id, colleague, TenantRole.Admin);
        await AddAsync(current.Id, ada.Id, "Lease signed: 8 x H100", read: false);
        await AddAsync(current.Id, ada.Id, "Lease active: 8 x H100", read: false);
        await AddAsync(current.Id, ada.Id, "Lease ended: 4 x A100", read: true);
        await AddAsync(current.Id, colleague.Id, "For the colleague", read: false);
        await AddAsync(first.Id, ada.Id, "In the other organisation", read: false);

        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(ada.Email!);
        Assert.Equal("2", Unread(await client.GetPageAsync("/")));

        var list = await client.GetPageAsync("/notifications");
        Assert.Contains("Lease signed: 8 x H100", list);
        Assert.Contains("Lease ended: 4 x A100", list);
        Assert.DoesNotContain("For the colleague", list);
        Assert.DoesNotContain("In the other organisation", list);
        Assert.Equal(2, Count(list, "data-read=\"false\""));
        Assert.Equal(1, Count(list, "data-read=\"true\""));

        await using (var member = await factory.As(current.Id, ada.Id))
            Assert.Equal(2, await member.Get<NotificationQueries>().MarkAllReadAsync());
        Assert.Equal("0", Unread(await client.GetPageAsync("/")));

        // The colleague's own notification is still unread.
        await using var other = await factory.As(current.Id, colleague.Id);
        Assert.Equal(1, await other.Get<NotificationQueries>().UnreadCountAsync());
    }

    [Fact]
    public async Task Marking_one_read_publishes_a_change_so_open_bells_follow()
    {
        var ada = await factory.CreateUserAsync();
        var org = await factory.CreateOrganizationAsync(ada);
        var id = await AddAsync(org.Id, ada.Id, "Lease signed", read: false);
        var changes = factory.Services.GetRequiredService<PortalChanges>();
        var seen = new List<PortalChange>();
        void OnChange(PortalChange c) { lock (seen) seen.Add(c); }
        changes.Changed += OnChange;
        try
        {
            await using var member = await factory.As(org.Id, ada.Id);
            var queries = member.Get<NotificationQueries>();
            await queries.MarkReadAsync(id);
            Assert.Equal(0, await queries.UnreadCountAsync());
            lock (seen) Assert.Contains(new PortalChange(org.Id, PortalChange.Notifications), seen);
        }
        finally { changes.Changed -= OnChange; }
    }

    private async Task<long> AddAsync(Guid tenantId, string userId, string title, bool read)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope).ForTenant(tenantId);
        var n = new Notification
        {
            UserId = userId, Kind = "lease.signed", Title = title, Body = title + ".", Link = "/leases",
            CreatedAt = factory.Now, ReadAt = read ? factory.Now : null,
        };
        db.Notifications.Add(n);
        await db.SaveChangesAsync();
        return n.Id;
    }

    // The bell's count as the page renders it; empty when there is no bell.
    private static string Unread(string html) => Regex.Match(html, "data-unread=\"(\\d+)\"").Groups[1].Value;

    private static int Count(string html, string needle) => (html.Length - html.Replace(needle, "").Length) / needle.Length;
}
