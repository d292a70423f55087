using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Spend;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Batches.OpenAiFilesApiTests;
using static Portal.Tests.Batches.OpenAiTestKit;
using static Portal.Tests.Spend.SpendKit;

namespace Portal.Tests.Spend;

/// <summary>Holds, extensions and batches that would take the month's forecast past the limit are refused, saying what is left.</summary>
public class SpendRefusalTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private DateTime MonthStart => SpendMonth.StartOf(factory.Now);

    [Fact]
    public async Task A_hold_past_the_monthly_limit_is_refused_with_what_is_left_and_holds_nothing()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var owner = await factory.As(tenantId, ownerId);
        await LimitsAsync(factory, tenantId, limit: 100 * Dollar);
        await UsageAsync(factory, tenantId, MonthStart, 60 * Dollar);
        var request = new LeaseRequest("us-south-1", "a100-80gb", 8, factory.ThisHour.AddHours(2), 10);
        var price = (await owner.Availability.CheckAsync(request)).Price!;

        var refused = await Assert.ThrowsAsync<LeaseException>(() => owner.Quoting.HoldAsync(request));

        Assert.Equal("spend_limit_exceeded", refused.Code);
        Assert.StartsWith($"This lease would add {Money.Format(price.TotalMicros)} this month; $40.00 of your $100.00 monthly limit is left.", refused.Message);
        Assert.Empty(await owner.Queries.ListAsync());
        // Within what is left, it holds.
        var small = request with { Gpus = 1, Hours = 1 };
        Assert.True((await owner.Availability.CheckAsync(small)).Price!.TotalMicros < 40 * Dollar);
        await owner.Quoting.HoldAsync(small);
    }

    [Fact]
    public async Task An_extension_past_the_monthly_limit_is_refused_with_what_is_left_and_changes_nothing()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var owner = await factory.As(tenantId, ownerId);
        var start = factory.ThisHour.AddHours(4);
        if (start.AddHours(30) >= MonthStart.AddMonths(1)) return; // (the fixture's clock starts on the 1st: never near the end)
        var lease = await owner.Quoting.HoldAsync(new LeaseRequest("us-south-1", "a100-80gb", 1, start, 10));
        await owner.Signing.SignAsync(lease.Id, "Ada Owner", accepted: true);
        var limit = lease.PriceMicros + 1 * Dollar;
        await LimitsAsync(factory, tenantId, limit: limit);

        var refused = await Assert.ThrowsAsync<LeaseException>(() => owner.Extending.QuoteExtensionAsync(lease.Id, 5));

        Assert.Equal("spend_limit_exceeded", refused.Code);
        Assert.Contains(
            $"This extension would add {Money.Format(5 * lease.MicrosPerGpuHour)} this month; $1.00 of your {Money.Format(limit)} monthly limit is left.",
            refused.Message);
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.False(await db.LeaseAmendments.AnyAsync(a => a.LeaseId == lease.Id));
        Assert.Equal(start.AddHours(10), DateTime.SpecifyKind((await db.Leases.SingleAsync(l => l.Id == lease.Id)).End, DateTimeKind.Utc));
    }

    [Fact]
    public async Task A_batch_is_refused_once_nothing_is_left_this_month_and_starts_again_when_the_owner_raises_the_limit()
    {
        var (tenantId, _, secret) = await NewTenantWithKeyAsync(factory);
        var http = Http(factory, secret);
        var fileId = (await JsonAsync(await http.PostAsync("/v1/files", Upload(EmbeddingsJsonl(2), "batch")))).GetProperty("id").GetString();
        await LimitsAsync(factory, tenantId, limit: 10 * Dollar);
        await UsageAsync(factory, tenantId, MonthStart, 10 * Dollar);
        var body = new { input_file_id = fileId, endpoint = "/v1/embeddings", completion_window = "24h" };

        var refused = await http.PostAsJsonAsync("/v1/batches", body);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error");
        Assert.Equal("spend_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("$0.00 of your $10.00 monthly limit is left", error.GetProperty("message").GetString());
        await LimitsAsync(factory, tenantId, limit: 20 * Dollar);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/v1/batches", body)).StatusCode);
    }
}
