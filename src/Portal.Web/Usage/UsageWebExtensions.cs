using Portal.Core.Spend;

namespace Portal.Web.Usage;

public static class UsageWebExtensions
{
    public const string ExportPath = "/usage/export.csv";

    /// <summary>The usage CSV: the rows the usage page shows for the same filters, one line per day and SKU or model; with
    /// <c>breakdown=jobs</c>, its leases by job instead (<see cref="ScriptJobs.JobUsageCsv"/>).</summary>
    public static IEndpointRouteBuilder MapPortalUsage(this IEndpointRouteBuilder app)
    {
        app.MapGet(ExportPath, async (Portal.Core.Tenancy.CurrentTenant tenant, UsageReportService usage, TimeProvider time, string? period,
            string? from, string? to, string? sku, string? model, string? breakdown, HttpContext http, CancellationToken ct) =>
        {
            if (tenant.TenantId is null) return Results.NotFound();
            var filter = UsageQuery.Parse(period, from, to, sku, model).ToFilter(time.GetUtcNow().UtcDateTime);
            if (breakdown == ScriptJobs.JobUsageCsv.Breakdown) return await ScriptJobs.JobUsageCsv.FileAsync(http.RequestServices, filter, ct);
            var report = await usage.ReadAsync(filter, ct);
            // Written to memory first: the CSV writer flushes synchronously when its buffer fills, which Kestrel refuses.
            var buffer = new MemoryStream();
            await UsageCsv.WriteAsync(buffer, report, ct);
            return Results.File(buffer.ToArray(), "text/csv; charset=utf-8", UsageCsv.FileName(report.Filter));
        }).RequireAuthorization().ExcludeFromDescription();
        return app;
    }
}
