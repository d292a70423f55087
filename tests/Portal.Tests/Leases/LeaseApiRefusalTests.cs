using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Leases.LeaseApiTests;

namespace Portal.Tests.Leases;

/// <summary>How the lease API says no: problem details with a code, a 404 for another tenant's lease, an error per bad field.</summary>
public class LeaseApiRefusalTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-south-1";
    private const string Sku = "h100-sxm-80gb";

    [Fact]
    public async Task Signing_an_expired_hold_is_refused_and_changes_nothing()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var held = await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", Body(Sku, 4, factory.ThisHour.AddHours(50), 10)), HttpStatusCode.Created);
        var id = held.GetProperty("id").GetGuid();

        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        var response = await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign", new { signerName = "Ada Lovelace", accept = true }, "late");

        var problem = await LeaseApiCalls.ProblemAsync(response, HttpStatusCode.Conflict, "hold_expired");
        Assert.Equal("urn:portal:problem:hold_expired", problem.GetProperty("type").GetString());
        Assert.Contains("expired", problem.GetProperty("detail").GetString());
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var lease = await db.Leases.Include(l => l.Allocations).FirstAsync(l => l.Id == id);
        Assert.Null(lease.SignedAt);
        Assert.Null(lease.SignKey);
        Assert.NotEqual(LeaseState.Scheduled, lease.State);
        Assert.DoesNotContain(lease.Allocations, a => a.Status == AllocationStatus.Firm);
        Assert.False(await db.Set<LeaseDocument>().AnyAsync(d => d.LeaseId == id));
        Assert.Equal("Expired", (await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK))
            .GetProperty("state").GetString());
    }

    [Fact]
    public async Task Signing_again_with_another_key_is_refused_as_already_signed()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var id = await LeaseApiCalls.QuoteAsync(client, Body("a100-80gb", 2, factory.ThisHour.AddHours(20), 5));
        var body = new { signerName = "Grace Hopper", accept = true };
        await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign", body, "first"), HttpStatusCode.OK);

        var second = await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign", body, "second");

        var problem = await LeaseApiCalls.ProblemAsync(second, HttpStatusCode.Conflict, "already_signed");
        Assert.Contains("Grace Hopper", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_member_may_quote_but_only_owners_and_admins_sign()
    {
        var (_, tenantId, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var member = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenantId, member, Portal.Core.Tenancy.TenantRole.Member);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(member.Email!);
        var id = await LeaseApiCalls.QuoteAsync(client, Body("a100-80gb", 1, factory.ThisHour.AddHours(21), 3));

        var response = await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign", new { signerName = "Mere Member", accept = true });

        var problem = await LeaseApiCalls.ProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("Owner or Admin", problem.GetProperty("detail").GetString());
        Assert.Equal("Held", (await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK))
            .GetProperty("state").GetString());
    }

    [Fact]
    public async Task Another_tenants_lease_is_not_found()
    {
        var (alice, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var id = await LeaseApiCalls.QuoteAsync(alice, Body("a100-80gb", 1, factory.ThisHour.AddHours(22), 3));
        await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(alice, $"/api/v1/leases/{id}/sign", new { signerName = "Alice Owner", accept = true }), HttpStatusCode.OK);
        var (mallory, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);

        await LeaseApiCalls.ProblemAsync(await mallory.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.NotFound, "not_found");
        await LeaseApiCalls.ProblemAsync(await mallory.GetAsync($"/api/v1/leases/{id}/agreement"), HttpStatusCode.NotFound, "not_found");
        await LeaseApiCalls.ProblemAsync(await mallory.GetAsync($"/api/v1/leases/{id}/extendable-until"), HttpStatusCode.NotFound, "not_found");
        await LeaseApiCalls.ProblemAsync(await LeaseApiCalls.PostAsync(mallory, $"/api/v1/leases/{id}/sign", new { signerName = "Mallory", accept = true }),
            HttpStatusCode.NotFound, "not_found");
        await LeaseApiCalls.ProblemAsync(await LeaseApiCalls.PostAsync(mallory, $"/api/v1/leases/{id}/cancel", new { }), HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain(id, await ListIdsAsync(mallory, ""));
        Assert.Equal(HttpStatusCode.BadRequest, (await mallory.GetAsync($"/api/v1/leases?after={id}")).StatusCode);
        Assert.Equal("Scheduled", (await LeaseApiCalls.JsonAsync(await alice.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK))
            .GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_request_that_does_not_fit_is_refused_with_the_nearest_windows_and_alternatives()
    {
        const string region = "us-east-2", sku = "l40s-48gb";
        int whole;
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            whole = await db.Nodes
                .Where(n => n.RegionId == region && n.SkuId == sku && n.State == Portal.Core.Catalog.NodeState.Ready)
                .SumAsync(n => n.GpuCount);
        var start = factory.ThisHour.AddHours(70);
        var (alice, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        await LeaseApiCalls.QuoteAsync(alice, Body(sku, whole, start, 4, region));
        var (bob, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);

        var check = await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(bob, "/api/v1/leases/check", Body(sku, 4, start, 4, region)), HttpStatusCode.OK);
        var quote = await LeaseApiCalls.PostAsync(bob, "/api/v1/leases/quote", Body(sku, 4, start, 4, region));
        var later = await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(bob, "/api/v1/leases/check", Body(sku, 4, start.AddHours(4), 4, region)), HttpStatusCode.OK);

        Assert.False(check.GetProperty("fits").GetBoolean());
        Assert.NotEmpty(check.GetProperty("laterWindows").EnumerateArray());
        Assert.Contains(check.GetProperty("alternatives").EnumerateArray(),
            a => a.GetProperty("region").GetString() == Region && a.GetProperty("sku").GetString() == sku);
        var problem = await LeaseApiCalls.ProblemAsync(quote, HttpStatusCode.Conflict, "no_capacity");
        var windows = problem.GetProperty("laterWindows").EnumerateArray().ToList();
        Assert.NotEmpty(windows);
        Assert.All(windows, w => Assert.True(w.GetProperty("start").GetDateTime().ToUniversalTime() >= start.AddHours(4)));
        Assert.True(problem.TryGetProperty("earlierWindows", out _));
        Assert.True(later.GetProperty("fits").GetBoolean());
        Assert.Equal(4 * 4 * 890_000, later.GetProperty("price").GetProperty("totalMicros").GetInt64());
    }

    [Fact]
    public async Task Bad_input_is_a_validation_problem_with_an_error_per_field()
    {
        var (client, tenantId, _) = await LeaseApiCalls.NewOwnerAsync(factory);

        var errors = await LeaseApiCalls.ValidationErrorsAsync(await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote",
            new { region = "", sku = "tpu-v9", gpus = 0, start = factory.ThisHour.AddHours(5).AddMinutes(30).ToString("O"), hours = 0 }));
        Assert.Equal(["gpus", "hours", "region", "sku", "start"], errors.Keys.Order());
        Assert.Contains("whole hour", errors["start"][0]);
        Assert.Contains("tpu-v9", errors["sku"][0]);

        Assert.Equal(["gpus"], (await LeaseApiCalls.ValidationErrorsAsync(await LeaseApiCalls.PostAsync(client, "/api/v1/leases/check",
            new { region = Region, sku = Sku, gpus = "many", start = "now", hours = 2 }))).Keys);
        Assert.Equal(["start"], (await LeaseApiCalls.ValidationErrorsAsync(await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote",
            new { region = Region, sku = Sku, gpus = 1, start = "tomorrow", hours = 2 }))).Keys);
        Assert.Equal(["accept", "signerName"], (await LeaseApiCalls.ValidationErrorsAsync(await LeaseApiCalls.PostAsync(client,
            $"/api/v1/leases/{Guid.NewGuid()}/sign", new { signerName = "", accept = false }))).Keys.Order());
        Assert.Equal(["state"], (await LeaseApiCalls.ValidationErrorsAsync(await client.GetAsync("/api/v1/leases?state=sleeping"))).Keys);
        Assert.Equal(0, await CountAsync(db => db.Leases.CountAsync(l => l.TenantId == tenantId)));
    }

    private static async Task<List<Guid>> ListIdsAsync(PortalClient client, string query)
    {
        var page = await LeaseApiCalls.JsonAsync(await client.GetAsync("/api/v1/leases" + query), HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray().Select(l => l.GetProperty("id").GetGuid())];
    }

    private async Task<int> CountAsync(Func<Portal.Core.Data.PortalDbContext, Task<int>> count)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await count(db);
    }
}
