using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>
/// Flexible lease requests ("any of these GPU types") on a small region of one 8-GPU node per type, so a type can be filled:
/// the cheapest type that fits is chosen, held, priced and signed; a full one gives way to the next; a type outside the set is never
/// chosen; bad sets are refused with problem details and hold nothing; idempotency keys stay per organisation.
/// </summary>
public sealed class FlexibleLeaseTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private const string Region = "flex-test-1";
    private const string A100 = "a100-80gb", H100 = "h100-sxm-80gb", H200 = "h200-141gb"; // $1.29, $2.49, $3.29 per GPU-hour

    public async Task InitializeAsync()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        if (await db.Regions.AnyAsync(r => r.Id == Region)) return;
        db.Regions.Add(new Region { Id = Region, Name = "Flexible test region" });
        foreach (var sku in new[] { A100, H100, H200 })
            db.Nodes.Add(new Node { Id = $"{Region}-{sku}", RegionId = Region, SkuId = sku, GpuCount = 8, State = NodeState.Ready });
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_cheapest_type_that_fits_is_held_at_its_price_and_the_signed_agreement_names_it_and_the_set()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddHours(20);
        await using var member = await factory.As(tenantId, ownerId);

        var (lease, choice) = await member.Get<FlexibleSkuChoice>().HoldAsync(new FlexibleLeaseRequest(Region, [H200, H100], null, 4, start, 3));

        Assert.Equal((H100, $"{H100},{H200}"), (lease.SkuId, lease.ChosenFromSkuIds));
        Assert.Equal(4L * 3 * 2_490_000, lease.PriceMicros); // the H100's price, not the H200's
        Assert.All(lease.Allocations, a => Assert.Equal(H100, a.SkuId));
        Assert.Equal("Chosen: H100 SXM 80 GB (cheapest that fits of H100 SXM 80 GB, H200 141 GB).", choice!.Reason);
        Assert.Contains(lease.Events, e => e.Message == choice.Reason); // on the timeline

        var signed = await member.Signing.SignAsync(lease.Id, "Ada Lovelace", accepted: true);
        Assert.Equal(LeaseAgreement.Version, signed.AgreementVersion);
        // The PDF as the lease page serves it: rendered from the signed terms on demand until the after-commit job stores it.
        var pdf = await member.Queries.GetDocumentAsync(lease.Id);
        var text = LeaseAgreementPdfTests.PageText(pdf!.Content).Replace('\n', ' ');
        Assert.Contains("4 x H100 SXM 80 GB GPUs", text);
        Assert.Contains("The Tenant asked for any of these GPU types: H100 SXM 80 GB, H200 141 GB. The Provider chose H100 SXM 80 GB", text);
    }

    [Fact]
    public async Task A_full_type_gives_way_to_the_next_and_a_cheaper_type_outside_the_set_is_never_chosen()
    {
        var start = factory.ThisHour.AddHours(40);
        var (otherId, otherOwner) = await factory.NewTenantAsync();
        await using (var other = await factory.As(otherId, otherOwner))
            await other.Quoting.HoldAsync(new LeaseRequest(Region, H100, 8, start, 2)); // the H100 node is full for that window
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var chooser = member.Get<FlexibleSkuChoice>();

        var (lease, choice) = await chooser.HoldAsync(new FlexibleLeaseRequest(Region, [H100, H200], null, 2, start, 2));

        Assert.Equal(H200, lease.SkuId); // the free A100 is cheaper still, but was not named
        Assert.Equal(2L * 2 * 3_290_000, lease.PriceMicros);
        Assert.Equal("Chosen: H200 141 GB (cheapest that fits of H100 SXM 80 GB, H200 141 GB; H100 SXM 80 GB is not free for that window).",
            choice!.Reason);

        // With the H200 full as well, nothing in the set fits: refused with windows where one does; nothing more held.
        await using (var other = await factory.As(otherId, otherOwner))
            await other.Quoting.HoldAsync(new LeaseRequest(Region, H200, 6, start, 2));
        var refused = await Assert.ThrowsAsync<NoCapacityException>(() => chooser.HoldAsync(new FlexibleLeaseRequest(Region, [H100, H200], null, 2, start, 2)));
        Assert.Contains("None of H100 SXM 80 GB, H200 141 GB is free for that window", refused.Message);
        Assert.NotEmpty(refused.LaterWindows);
        Assert.Single(await member.Queries.ListAsync());
    }

    [Fact]
    public async Task A_memory_threshold_accepts_the_types_of_the_region_with_that_much()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var chooser = member.Get<FlexibleSkuChoice>();
        var start = factory.ThisHour.AddHours(60);

        var (any80, _) = await chooser.ChooseAsync(new FlexibleLeaseRequest(Region, [], 80, 1, start, 1));
        var (only141, _) = await chooser.ChooseAsync(new FlexibleLeaseRequest(Region, [A100, H200], 100, 1, start, 1));

        Assert.Equal(A100, any80!.Chosen!.SkuId);
        Assert.Equal($"{A100},{H100},{H200}", any80.Stored);
        Assert.Equal(H200, only141!.Chosen!.SkuId);
        Assert.Equal(H200, only141.Stored);
    }

    [Fact]
    public async Task The_api_quotes_any_of_several_and_says_what_it_chose_and_from_what()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var key = "flex-" + Guid.NewGuid();
        var body = Body(start: factory.ThisHour.AddHours(80), skus: [H200, H100]);

        var held = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", body, key), HttpStatusCode.Created);
        var id = held.GetProperty("id").GetGuid();
        Assert.Equal(H100, held.GetProperty("sku").GetString());
        Assert.Equal([H100, H200], held.GetProperty("chosenFrom").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(2L * 2 * 2_490_000, held.GetProperty("price").GetProperty("totalMicros").GetInt64());
        Assert.StartsWith("Chosen: H100 SXM 80 GB", held.GetProperty("choice").GetProperty("reason").GetString());

        // A retry answers with the same hold, though its own hold now fills part of the H100 node.
        var again = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", body, key), HttpStatusCode.OK);
        Assert.Equal(id, again.GetProperty("id").GetGuid());
        var read = await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK);
        Assert.Equal(2, read.GetProperty("chosenFrom").GetArrayLength());

        // Another organisation sending the same key gets its own hold; it cannot read the first one.
        var (stranger, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var theirs = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(stranger, "/api/v1/leases/quote", body, key), HttpStatusCode.Created);
        Assert.NotEqual(id, theirs.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/leases/{id}")).StatusCode);

        var check = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, "/api/v1/leases/check",
            Body(start: factory.ThisHour.AddHours(80), skus: null, minGpuMemoryGb: 100)), HttpStatusCode.OK);
        Assert.True(check.GetProperty("fits").GetBoolean());
        Assert.Equal(H200, check.GetProperty("choice").GetProperty("sku").GetString());
    }

    [Theory]
    [InlineData("unknown", "skus", "There is no GPU SKU 'no-such-gpu'.")]
    [InlineData("not-in-region", "skus", "There are no 'b200-180gb' nodes in flex-test-1.")]
    [InlineData("empty", "skus", "Name the acceptable GPU types")]
    [InlineData("both", "sku", "Send either sku")]
    [InlineData("too-much-memory", "minGpuMemoryGb", "No GPU type in flex-test-1 has 500 GB or more per GPU.")]
    public async Task A_bad_set_is_a_validation_problem_and_holds_nothing(string fixture, string field, string message)
    {
        var (client, tenantId, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var start = factory.ThisHour.AddHours(90);
        object body = fixture switch
        {
            "unknown" => Body(start, skus: [H100, "no-such-gpu"]),
            "not-in-region" => Body(start, skus: [H100, "b200-180gb"]),
            "empty" => Body(start, skus: []),
            "both" => new { region = Region, sku = H100, skus = new[] { H200 }, gpus = 1, start = Iso(start), hours = 1 },
            _ => Body(start, skus: null, minGpuMemoryGb: 500),
        };

        var quote = await LeaseApiCalls.ValidationErrorsAsync(await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", body));
        var check = await LeaseApiCalls.ValidationErrorsAsync(await LeaseApiCalls.PostAsync(client, "/api/v1/leases/check", body));

        Assert.Contains(quote[field], m => m.StartsWith(message));
        Assert.Contains(check[field], m => m.StartsWith(message));
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.False(await db.Leases.AnyAsync(l => l.TenantId == tenantId));
    }

    private static object Body(DateTime start, string[]? skus, int? minGpuMemoryGb = null) =>
        new { region = Region, skus, minGpuMemoryGb, gpus = 2, start = Iso(start), hours = 2 };

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
}
