using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Catalog;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;
using Portal.Core.Refusals;

namespace Portal.Tests.Admin;

/// <summary>Hosted models: created with deployments, refused per field, retired from the public catalog only.</summary>
public sealed class CatalogAdminModelTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private static ModelForm Form(string id) => new()
    {
        Id = id, Name = "Test " + id, Kind = ModelKind.Chat, Description = "A model for tests.", ContextLength = 32_768, OpenWeights = true,
        Licence = "Apache-2.0", InputPrice = "0.15", OutputPrice = "0.000001", ServingSkuId = "h100-sxm-80gb",
        Deployments = [new() { RegionId = "us-south-1", BaseUrl = "simulator:" }, new() { RegionId = "us-east-2", BaseUrl = "http://10.0.0.5:8000/v1" }],
    };

    [Fact]
    public async Task A_created_model_round_trips_and_retiring_hides_it_from_the_catalog_only()
    {
        var id = "test-" + Guid.NewGuid().ToString("N")[..6] + "-3.1b";
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<ModelAdminService>();
        var catalog = scope.Get<CatalogService>();

        var created = await Outcome.Of(service.CreateModelAsync(Form(id)));
        Assert.True(created.Succeeded, created.Message);
        var view = (await catalog.GetModelAsync(id))!;
        Assert.Equal((150_000L, 1L, 2), (view.InputMicrosPerMillionTokens, view.OutputMicrosPerMillionTokens, view.Deployments.Count));

        var (form, _) = (await service.GetModelAsync(id))!.Value;
        form.Deployments.RemoveAll(d => d.RegionId == "us-east-2");
        form.OutputPrice = "0";
        Assert.True((await Outcome.Of(service.UpdateModelAsync(id, form))).Succeeded);
        Assert.Equal(["us-south-1"], (await catalog.GetModelAsync(id))!.Deployments.Select(d => d.RegionId));

        Assert.True((await Outcome.Of(service.SetModelRetiredAsync(id, true, "Superseded"))).Succeeded);
        Assert.Null(await catalog.GetModelAsync(id));
        await using var db = factory.CreateDbContext(scope);
        Assert.NotNull((await db.Models.SingleAsync(m => m.Id == id)).RetiredAt);
        Assert.Equal(["catalog.model.created", "catalog.model.updated", "catalog.model.retired"],
            await db.AuditEvents.Where(e => e.TargetId == id).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
    }

    [Theory]
    [InlineData("Id", "Has Spaces")]
    [InlineData("InputPrice", "-1")]
    [InlineData("OutputPrice", "0.0000001")]
    [InlineData("ServingSkuId", "no-such-sku")]
    [InlineData("ServingSkuId", "retired")]
    [InlineData("Deployments", "none")]
    [InlineData("Deployments", "ftp://x")]
    [InlineData("ContextLength", "0")]
    public async Task Invalid_models_are_refused_for_that_field(string field, string value)
    {
        var form = Form("test-" + Guid.NewGuid().ToString("N")[..6]);
        await using var scope = await SupportScope.CreateAsync(factory);
        var service = scope.Get<ModelAdminService>();
        switch (field, value)
        {
            case ("Id", _): form.Id = value; break;
            case ("InputPrice", _): form.InputPrice = value; break;
            case ("OutputPrice", _): form.OutputPrice = value; break;
            case ("ServingSkuId", "retired"):
                var sku = "r" + Guid.NewGuid().ToString("N")[..6] + "-gpu";
                Assert.True((await Outcome.Of(scope.Get<SkuAdminService>().CreateSkuAsync(
                    new SkuForm { Id = sku, Name = sku, GpuModel = "G", Interconnect = "PCIe", PricePerGpuHour = "1" }))).Succeeded);
                Assert.True((await Outcome.Of(scope.Get<SkuAdminService>().SetSkuRetiredAsync(sku, true, "Gone"))).Succeeded);
                form.ServingSkuId = sku;
                break;
            case ("ServingSkuId", _): form.ServingSkuId = value; break;
            case ("Deployments", "none"): form.Deployments.Clear(); break;
            case ("Deployments", _): form.Deployments[1].BaseUrl = value; break;
            default: form.ContextLength = 0; break;
        }

        var refused = await Assert.ThrowsAsync<FieldsRefusedException>(() => service.CreateModelAsync(form));

        Assert.Equal([field], refused.Errors.Keys);
        await using var db = factory.CreateDbContext(scope);
        Assert.False(await db.Models.AnyAsync(m => m.Id == form.Id));
    }
}
