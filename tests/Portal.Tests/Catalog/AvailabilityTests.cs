using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Catalog;

public sealed class AvailabilityTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task The_calendar_offers_every_gpu_on_nodes_in_service_for_90_days()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var ready = await db.Nodes.Where(n => n.RegionId == "us-south-1" && n.SkuId == "b200-180gb" && n.State == NodeState.Ready).SumAsync(n => n.GpuCount);

        using var client = factory.CreatePortalClient();
        var days = await client.Http.GetFromJsonAsync<JsonElement>("/api/v1/availability?region=us-south-1&sku=b200-180gb");
        Assert.Equal(90, days.GetProperty("free").GetArrayLength());
        Assert.All(days.GetProperty("free").EnumerateArray(), d => Assert.Equal(ready, d.GetInt32()));
        Assert.Equal(ready, days.GetProperty("readyGpus").GetInt32());

        var hours = await client.Http.GetFromJsonAsync<JsonElement>("/api/v1/availability?region=us-south-1&sku=b200-180gb&resolution=hour");
        Assert.Equal(90 * 24, hours.GetProperty("free").GetArrayLength());
        var start = hours.GetProperty("start").GetDateTime();
        Assert.Equal(TimeSpan.Zero, start.TimeOfDay); // days are calendar days, UTC
    }

    [Fact]
    public async Task Bad_questions_get_problem_details()
    {
        using var client = factory.CreatePortalClient();
        var missing = await client.GetAsync("/api/v1/availability?region=us-south-1");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("sku", await missing.Content.ReadAsStringAsync());

        var unknown = await client.GetAsync("/api/v1/availability?region=mars-1&sku=h100-sxm-80gb");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_calendar_page_draws_90_days()
    {
        using var client = factory.CreatePortalClient();
        var html = await client.GetPageAsync("/catalog/availability?region=us-east-2&sku=l40s-48gb");
        Assert.Equal(90, html.Split("data-testid=\"availability-day\"").Length - 1);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/catalog/availability?region=mars-1&sku=l40s-48gb")).StatusCode);
    }
}
