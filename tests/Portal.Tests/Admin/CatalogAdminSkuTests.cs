using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Catalog;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;
using Portal.Core.Refusals;

namespace Portal.Tests.Admin;

/// <summary>Support creates, edits and retires GPU SKUs; refused input writes nothing; retired SKUs leave the public catalog only.</summary>
public sealed class CatalogAdminSkuTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private static string NewId() => "t" + Guid.NewGuid().ToString("N")[..8] + "-80gb";

    private static SkuForm Form(string id) => new()
    {
        Id = id, Name = "Test GPU " + id, GpuModel = "NVIDIA Test", MemoryGbPerGpu = 96, GpusPerNode = 8, Interconnect = "NVLink",
        VcpusPerGpu = 20, RamGbPerGpu = 200, PricePerGpuHour = "2.123457",
        Terms = [new() { MinHours = 168, BasisPoints = 500 }, new() { MinHours = 720, BasisPoints = 1500 }],
    };

    [Fact]
    public async Task A_created_sku_round_trips_exactly_and_edits_replace_its_terms_with_audit_events()
    {
        var id = NewId();
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<SkuAdminService>();

        var created = await Outcome.Of(service.CreateSkuAsync(Form(id)));
        Assert.True(created.Succeeded, created.Message);
        var (form, retired) = (await service.GetSkuAsync(id))!.Value;
        Assert.Null(retired);
        Assert.Equal("2.123457", form.PricePerGpuHour);
        Assert.Equal([(168, 500), (720, 1500)], form.Terms.Select(t => (t.MinHours, t.BasisPoints)));

        form.Name = "Renamed " + id;
        form.PricePerGpuHour = "$3.5";
        form.Terms = [new() { MinHours = 720, BasisPoints = 1800 }, new() { MinHours = 2160, BasisPoints = 2500 }];
        var updated = await Outcome.Of(service.UpdateSkuAsync(id, form));
        Assert.True(updated.Succeeded, updated.Message);

        await using var db = factory.CreateDbContext(scope);
        var stored = await db.GpuSkus.SingleAsync(s => s.Id == id);
        Assert.Equal("Renamed " + id, stored.Name);
        Assert.Equal(3_500_000, stored.OnDemandMicrosPerGpuHour);
        Assert.Equal([(720, 1800), (2160, 2500)], stored.TermDiscounts.OrderBy(t => t.MinHours).Select(t => (t.MinHours, t.BasisPoints)));
        Assert.Equal(2_870_000, stored.MicrosPerGpuHourFor(720));
        var events = await db.AuditEvents.Where(e => e.TargetId == id).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(["catalog.sku.created", "catalog.sku.updated"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(PortalFactory.SupportEmail, e.ActorName));
        Assert.Contains("Renamed " + id, events[1].TargetName);
    }

    [Theory]
    [InlineData("Id", "Bad_Id")]
    [InlineData("Id", "h100-sxm-80gb")]
    [InlineData("Name", "")]
    [InlineData("PricePerGpuHour", "0")]
    [InlineData("PricePerGpuHour", "1.0000001")]
    [InlineData("PricePerGpuHour", "-2")]
    [InlineData("PricePerGpuHour", "abc")]
    [InlineData("GpusPerNode", "17")]
    [InlineData("MemoryGbPerGpu", "0")]
    [InlineData("MemoryGbPerGpu", "1025")]
    [InlineData("Terms", "hours:0")]
    [InlineData("Terms", "hours:8761")]
    [InlineData("Terms", "bp:9001")]
    [InlineData("Terms", "duplicate")]
    public async Task Invalid_input_is_refused_for_that_field_and_nothing_is_written(string field, string value)
    {
        var id = NewId();
        var form = Form(id);
        switch (field, value)
        {
            case ("Id", _): form.Id = value; break;
            case ("Name", _): form.Name = value; break;
            case ("PricePerGpuHour", _): form.PricePerGpuHour = value; break;
            case ("GpusPerNode", _): form.GpusPerNode = int.Parse(value); break;
            case ("MemoryGbPerGpu", _): form.MemoryGbPerGpu = int.Parse(value); break;
            case (_, "hours:0"): form.Terms[0].MinHours = 0; break;
            case (_, "hours:8761"): form.Terms[0].MinHours = 8761; break;
            case (_, "bp:9001"): form.Terms[0].BasisPoints = 9001; break;
            default: form.Terms[1].MinHours = form.Terms[0].MinHours; break;
        }
        await using var scope = await SupportScope.CreateAsync(factory);
        await using var db = factory.CreateDbContext(scope);
        var eventsBefore = await db.AuditEvents.CountAsync();
        var seededPrice = (await db.GpuSkus.AsNoTracking().SingleAsync(s => s.Id == "h100-sxm-80gb")).OnDemandMicrosPerGpuHour;

        var refused = await Assert.ThrowsAsync<FieldsRefusedException>(() => scope.Get<SkuAdminService>().CreateSkuAsync(form));

        Assert.Equal([field], refused.Errors.Keys);
        Assert.False(string.IsNullOrWhiteSpace(refused.Errors[field]));
        Assert.False(await db.GpuSkus.AnyAsync(s => s.Id == id || s.Id == form.Id && s.Id != "h100-sxm-80gb"));
        Assert.Equal(seededPrice, (await db.GpuSkus.AsNoTracking().SingleAsync(s => s.Id == "h100-sxm-80gb")).OnDemandMicrosPerGpuHour);
        Assert.Equal(eventsBefore, await db.AuditEvents.CountAsync());
    }

    [Fact]
    public async Task The_size_of_a_sku_with_nodes_cannot_change()
    {
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<SkuAdminService>();
        var (form, _) = (await service.GetSkuAsync("l40s-48gb"))!.Value;
        form.GpusPerNode = 8;

        var refused = await Assert.ThrowsAsync<FieldsRefusedException>(() => service.UpdateSkuAsync("l40s-48gb", form));

        Assert.Contains("nodes", refused.Errors["GpusPerNode"]);
    }

    [Fact]
    public async Task A_retired_sku_leaves_the_catalog_and_the_api_but_stays_in_the_database_and_can_come_back()
    {
        var id = NewId();
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<SkuAdminService>();
        var catalog = scope.Get<CatalogService>();
        Assert.True((await Outcome.Of(service.CreateSkuAsync(Form(id)))).Succeeded);
        using var client = factory.CreatePortalClient();
        Assert.Contains(id, await ApiSkuIdsAsync(client));

        Assert.False((await Outcome.Of(service.SetSkuRetiredAsync(id, true, ""))).Succeeded); // a reason is required
        var retired = await Outcome.Of(service.SetSkuRetiredAsync(id, true, "End of life"));

        Assert.True(retired.Succeeded, retired.Message);
        Assert.DoesNotContain(await catalog.ListSkusAsync(new SkuFilter()), s => s.Id == id);
        Assert.Null(await catalog.GetSkuAsync(id));
        Assert.DoesNotContain(id, await ApiSkuIdsAsync(client));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/gpu-skus/{id}")).StatusCode);
        await using (var db = factory.CreateDbContext(scope))
        {
            var row = await db.GpuSkus.SingleAsync(s => s.Id == id);
            Assert.NotNull(row.RetiredAt);
            Assert.Equal(2, row.TermDiscounts.Count);
            var e = await db.AuditEvents.SingleAsync(e => e.TargetId == id && e.Action == "catalog.sku.retired");
            Assert.Equal("End of life", e.Reason);
            Assert.Equal("GpuSku", e.TargetType);
        }
        Assert.False((await Outcome.Of(service.SetSkuRetiredAsync(id, true, "Again"))).Succeeded);
        Assert.Contains(await service.ListSkusAsync(), s => s.Id == id && s.RetiredAt != null);

        Assert.True((await Outcome.Of(service.SetSkuRetiredAsync(id, false, "Back by demand"))).Succeeded);
        Assert.Contains(await catalog.ListSkusAsync(new SkuFilter()), s => s.Id == id);
    }

    private static async Task<List<string?>> ApiSkuIdsAsync(PortalClient client) =>
        [.. (await client.Http.GetFromJsonAsync<JsonElement>("/api/v1/gpu-skus")).EnumerateArray().Select(s => s.GetProperty("id").GetString())];
}
