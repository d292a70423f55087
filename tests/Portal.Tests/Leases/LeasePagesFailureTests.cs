using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.Leases;

namespace Portal.Tests.Leases;

/// <summary>
/// The new-lease form when its live check fails (here: the database loses a table the check reads): the member
/// sees that availability could not be checked, the spinner stops and nothing can be held. This class breaks its
/// own portal's database, so it has a fixture of its own.
/// </summary>
public sealed class LeasePagesFailureTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private MemberScope member = null!;

    public async Task InitializeAsync()
    {
        var (tenant, ownerId) = await factory.NewTenantAsync();
        member = await factory.As(tenant, ownerId);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddLeaseClassesOf(member);
        ctx.Services.AddSingleton(member.Get<CatalogService>());
        ctx.Services.AddSingleton(member.Get<CurrentTenant>());
        ctx.Services.AddSingleton(member.Get<OrganizationLimitsService>());
        ctx.Services.AddSingleton(member.Get<IDbContextFactory<PortalDbContext>>());
        ctx.Services.AddSingleton(member.Get<IOptions<LeaseOptions>>());
        ctx.Services.AddSingleton<TimeProvider>(factory.Clock);
        ctx.Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        ctx.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        ctx.Render<MudPopoverProvider>();
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        await member.DisposeAsync();
    }

    [Fact]
    public async Task A_live_check_that_fails_says_so_stops_the_spinner_and_offers_no_hold()
    {
        ctx.Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/leases/new?sku=a100-80gb&region=us-south-1&gpus=16&hours=48");
        var page = ctx.Render<NewLeasePage>();
        page.WaitForElement("[data-testid=fits]");

        await LoseTheSkuTableAsync();
        page.Find("#lease-gpus").Input("24");

        page.WaitForElement("[data-testid=check-failed]");
        Assert.Empty(page.FindAll("[aria-label='Checking availability']"));
        Assert.Empty(page.FindAll("[data-testid=fits]"));
        Assert.Empty(page.FindAll("[data-testid=quote-and-hold]"));
    }

    private async Task LoseTheSkuTableAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await using var db = factory.CreateDbContext(scope);
        var table = db.Model.FindEntityType(typeof(GpuSku))!.GetTableName()!;
        // A table name cannot be a parameter; this one comes from the model, not from input.
        var rename = $"ALTER TABLE \"{table}\" RENAME TO \"{table}_lost\"";
        await db.Database.ExecuteSqlRawAsync(rename);
    }
}
