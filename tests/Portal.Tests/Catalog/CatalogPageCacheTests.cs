using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Admin;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.Catalog;

namespace Portal.Tests.Catalog;

/// <summary>
/// Issue 17: a visitor's catalog page is served from the cache while nothing it shows has changed, and changes at once when
/// a hold, a lease, a node or a price does, in this web process or in another one on the same database, or when a hold
/// lapses. A signed-in user's page (their name in the layout) is never kept, so never shown to anyone else.
/// </summary>
public sealed partial class CatalogPageCacheTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-east-2", Sku = "b200-180gb";
    private const string Calendar = $"/catalog/availability?region={Region}&sku={Sku}", SkuPage = $"/catalog/gpus/{Sku}";

    private CatalogPageCache Cache => factory.Services.GetRequiredService<CatalogPageCache>();

    [Fact]
    public async Task A_visitors_second_request_comes_from_the_cache_with_its_own_script_nonce()
    {
        using var visitor = factory.CreatePortalClient();
        var first = await visitor.GetAsync("/catalog/models");
        var hits = Cache.Hits;
        var second = await visitor.GetAsync("/catalog/models");

        Assert.Equal(hits + 1, Cache.Hits);
        var (firstNonce, secondNonce) = (NonceOf(first), NonceOf(second));
        Assert.NotEqual(firstNonce, secondNonce);
        var html = await second.Content.ReadAsStringAsync();
        Assert.Contains($"nonce=\"{secondNonce}\"", html);
        Assert.DoesNotContain(firstNonce, html);
        Assert.Equal((await first.Content.ReadAsStringAsync()).Replace(firstNonce, secondNonce), html);
    }

    [Fact]
    public async Task A_cached_page_shows_a_hold_its_cancellation_and_a_lapsed_hold_at_once()
    {
        using var visitor = factory.CreatePortalClient();
        var before = await FreeTodayAsync(visitor);
        Assert.Equal(before, await FreeTodayAsync(visitor)); // now kept

        var (tenantId, ownerId) = await factory.NewTenantAsync();
        Lease held;
        await using (var member = await factory.As(tenantId, ownerId))
            held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 4, factory.ThisHour.AddHours(1), 24));
        Assert.Equal(before - 4, await FreeTodayAsync(visitor));
        Assert.Equal(before - 4, await FreeTodayAsync(visitor));
        await using (var member = await factory.As(tenantId, ownerId))
            await member.Cancelling.CancelAsync(held.Id);
        Assert.Equal(before, await FreeTodayAsync(visitor));

        // A hold nobody cancels stops counting when it expires: nothing in the database moves, the kept page's time is up.
        await using (var member = await factory.As(tenantId, ownerId))
            held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 8, factory.ThisHour.AddHours(1), 24));
        Assert.Equal(before - 8, await FreeTodayAsync(visitor));
        factory.Clock.Advance(held.HoldExpiresAt!.Value - factory.Now + TimeSpan.FromSeconds(1));
        Assert.Equal(before, await FreeTodayAsync(visitor));
    }

    [Fact]
    public async Task A_hold_made_by_another_web_process_on_the_same_database_shows_at_once()
    {
        var connection = factory.Services.GetRequiredService<IConfiguration>().GetConnectionString("Portal");
        await using var other = factory.WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:Portal", connection));
        using var visitor = factory.CreatePortalClient();
        var before = await FreeTodayAsync(visitor);
        Assert.Equal(before, await FreeTodayAsync(visitor));

        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using (var scope = other.Services.CreateAsyncScope())
        {
            // The member's tenant in the other process's own scope, as its tenant middleware would set it.
            await using (var db = factory.CreateDbContext(scope))
            {
                var membership = await db.Memberships.Include(m => m.Tenant).FirstAsync(m => m.TenantId == tenantId && m.UserId == ownerId);
                scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(ownerId, false, membership);
            }
            await scope.ServiceProvider.GetRequiredService<LeaseQuoting>()
                .HoldAsync(new LeaseRequest(Region, Sku, 4, factory.ThisHour.AddHours(1), 24));
        }
        Assert.Equal(before - 4, await FreeTodayAsync(visitor));
    }

    [Fact]
    public async Task A_node_taken_out_of_service_and_a_new_price_show_at_once()
    {
        using var visitor = factory.CreatePortalClient();
        var free = await FreeOnSkuPageAsync(visitor);
        await visitor.GetPageAsync("/catalog/gpus");
        await using var scope = factory.Services.CreateAsyncScope();
        var node = factory.CreateDbContext(scope).Nodes.First(n => n.RegionId == Region && n.SkuId == Sku && n.State == NodeState.Ready);
        await scope.ServiceProvider.GetRequiredService<NodeAdminService>().SetNodeStateAsync(node.Id, NodeState.Maintenance, "Cache test: new cables");
        Assert.True(await FreeOnSkuPageAsync(visitor) < free);

        var skus = scope.ServiceProvider.GetRequiredService<SkuAdminService>();
        var (form, _) = (await skus.GetSkuAsync(Sku))!.Value;
        form.PricePerGpuHour = "97.53";
        await skus.UpdateSkuAsync(Sku, form);
        Assert.Contains("$97.53", await visitor.GetPageAsync("/catalog/gpus"));
    }

    [Fact]
    public async Task A_signed_in_users_page_is_never_kept_nor_shown_to_a_visitor()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var member = factory.CreatePortalClient();
        await member.SignInOrFailAsync(user.Email!);
        using var visitor = factory.CreatePortalClient();
        const string page = "/catalog/gpus?sort=Name";

        Assert.Contains(user.Email!, await member.GetPageAsync(page));
        Assert.DoesNotContain(user.Email!, await visitor.GetPageAsync(page));
        var hits = Cache.Hits;
        Assert.DoesNotContain(user.Email!, await visitor.GetPageAsync(page));
        Assert.Equal(hits + 1, Cache.Hits);
        Assert.Contains(user.Email!, await member.GetPageAsync(page));
        Assert.Equal(hits + 1, Cache.Hits);
    }

    [Fact]
    public async Task A_members_catalog_page_reads_the_shared_catalog_and_a_new_price_shows_at_once()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var member = factory.CreatePortalClient();
        await member.SignInOrFailAsync(user.Email!);
        var reads = factory.Services.GetRequiredService<CatalogReadCache>();
        await member.GetPageAsync("/catalog/gpus?sort=PriceDescending");
        var before = reads.Reads;
        Assert.Contains(user.Email!, await member.GetPageAsync("/catalog/gpus?sort=PriceDescending"));
        Assert.Equal(before, reads.Reads); // rendered for this member, from the catalog as read before

        await using var scope = factory.Services.CreateAsyncScope();
        var skus = scope.ServiceProvider.GetRequiredService<SkuAdminService>();
        var (form, _) = (await skus.GetSkuAsync(Sku))!.Value;
        form.PricePerGpuHour = "86.42";
        await skus.UpdateSkuAsync(Sku, form);
        Assert.Contains("$86.42", await member.GetPageAsync("/catalog/gpus?sort=PriceDescending"));
        Assert.Contains("$86.42", await member.GetPageAsync(SkuPage));
    }

    [Fact]
    public async Task The_theme_cookie_gets_its_own_page()
    {
        using var light = factory.CreatePortalClient();
        using var dark = factory.CreatePortalClient();
        dark.Http.DefaultRequestHeaders.Add("Cookie", "portal-theme=dark");
        const string page = "/catalog/gpus?sort=MemoryDescending";
        var lightHtml = await light.GetPageAsync(page);
        await light.GetPageAsync(page);
        // The toggle offers the other theme: "dark: true" on a light page, "false" on a dark one.
        Assert.Equal("true", DarkFlag(lightHtml));
        Assert.Equal("false", DarkFlag(await dark.GetPageAsync(page)));
    }

    private static string NonceOf(HttpResponseMessage response) =>
        CspNonce().Match(string.Join(";", response.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value;

    private static string DarkFlag(string html) => ThemeToggleTarget().Match(html).Groups[1].Value;

    private static async Task<int> FreeTodayAsync(PortalClient client) =>
        Number(FreeInCell().Match(await client.GetPageAsync(Calendar)));

    private static async Task<int> FreeOnSkuPageAsync(PortalClient client) =>
        FreeTodayColumn().Matches(await client.GetPageAsync(SkuPage)).Sum(Number);

    private static int Number(Match m)
    {
        Assert.True(m.Success, "The page shows no free figure.");
        return int.Parse(m.Groups[1].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("'nonce-([0-9A-F]+)'")]
    private static partial Regex CspNonce();

    [GeneratedRegex("data-theme-dark=\"(true|false)\"")]
    private static partial Regex ThemeToggleTarget();

    [GeneratedRegex("class=\"availability-free\"[^>]*>([\\d,]+)<")]
    private static partial Regex FreeInCell();

    [GeneratedRegex("data-label=\"Free today\"[^>]*>([\\d,]+)<")]
    private static partial Regex FreeTodayColumn();
}
