using Portal.Core.Admin;
using Portal.Core.ApiKeys;
using Portal.Core.Audit;
using Portal.Core.Batches;
using Portal.Core.Billing;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Email;
using Portal.Core.Identity;
using Portal.Core.Jobs;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Core.Spend;
using Portal.Core.Tenancy;
using Portal.Web.Admin;
using Portal.Web.ApiKeys;
using Portal.Web.Batches;
using Portal.Web.Billing;
using Portal.Web.Capacity;
using Portal.Web.Catalog;
using Portal.Web.Components.Account;
using Portal.Web.Email;
using Portal.Web.Hosting;
using Portal.Web.Leases;
using Portal.Web.Pool;
using Portal.Web.ScriptJobs;
using Portal.Web.Tenancy;
using Portal.Web.Usage;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = ContentRoot.Find(args),
    EnvironmentName = DefaultEnvironment.Find(args),
});

builder.AddPortalHostingRole();
builder.Services.AddPortalData(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddPortalAccounts();
builder.Services.AddPortalIdentity();
builder.Services.AddPortalApiKeys();
builder.Services.AddPortalApiKeyAuthentication();
builder.Services.AddPortalEmail(builder.Configuration);
builder.Services.AddPortalEmailUi();
builder.Services.AddPortalAudit();
builder.Services.AddPortalTenancy();
builder.Services.AddPortalTenancyUi();
builder.Services.AddPortalJobs(builder.Configuration);
builder.Services.AddPortalAdmin();
builder.Services.AddPortalCatalog();
builder.Services.AddPortalCatalogUi();
builder.Services.AddPortalPool(builder.Configuration);
builder.Services.AddPortalPoolSimulator();
builder.Services.AddPortalCapacity();
builder.Services.AddPortalNotifications();
builder.Services.AddPortalLeases(builder.Configuration);
builder.Services.AddPortalLeasesUi();
builder.Services.AddPortalBatches(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddPortalBatchesUi();
builder.Services.AddPortalScriptJobs(builder.Configuration);
builder.Services.AddPortalBilling();
builder.Services.AddPortalSpend(builder.Configuration);
builder.Services.AddPortalUi();
builder.Services.AddPortalRateLimits(builder.Configuration);

var app = builder.Build();

await DatabaseInitializer.InitializeAsync(app.Services);
await app.StartPortalPoolAsync();
JobsServiceCollectionExtensions.RegisterRecurringJobs(app.Services);
if (await app.RunAsWorkerOnlyAsync()) return;

app.UsePortalPipeline();
app.MapPortalHealth();
app.MapPortalTenancy();
app.MapPortalAdmin();
app.MapPortalCatalog();
app.MapPortalCapacity();
app.MapPortalLeases();
app.MapPortalScriptJobs();
app.MapPortalBatches();
app.MapPortalBilling();
app.MapPortalUsage();
app.MapPortalUi();

app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
