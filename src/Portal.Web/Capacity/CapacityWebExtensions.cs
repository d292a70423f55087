using Portal.Core.Capacity;
using Portal.Core.Catalog;

namespace Portal.Web.Capacity;

public static class CapacityWebExtensions
{
    /// <summary><c>GET /api/v1/availability?region=&amp;sku=&amp;resolution=day|hour</c>: free GPUs for the next 90 days.</summary>
    public static WebApplication MapPortalCapacity(this WebApplication app)
    {
        app.MapGet("/api/v1/availability", async (string? region, string? sku, string? resolution,
            AvailabilityQueries availability, CatalogService catalog, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(region)) errors["region"] = ["Give a region, e.g. us-south-1."];
            if (string.IsNullOrWhiteSpace(sku)) errors["sku"] = ["Give a GPU SKU, e.g. h100-sxm-80gb."];
            if (resolution is not (null or "day" or "hour")) errors["resolution"] = ["Use day or hour."];
            if (errors.Count > 0) return Results.ValidationProblem(errors);
            if ((await catalog.GetSkuAsync(sku!, ct)) is not { } found || found.Regions.All(r => r.RegionId != region))
                return Results.Problem(statusCode: 404, title: "Not found", detail: $"No GPU SKU '{sku}' in region '{region}'.");

            var calendar = await availability.CalendarAsync(region!, sku!, ct: ct);
            return resolution == "hour"
                ? Results.Ok(new
                {
                    region, sku, start = calendar.Start, resolution = "hour", readyGpus = calendar.ReadyGpus, wholeNodes = calendar.WholeNodes,
                    gpusPerNode = NodeSize(calendar), free = calendar.HourFree,
                })
                : Results.Ok(new
                {
                    region, sku, start = calendar.Start, resolution = "day", readyGpus = calendar.ReadyGpus, wholeNodes = calendar.WholeNodes,
                    gpusPerNode = NodeSize(calendar),
                    // A day's figure is what can be promised for all of its 24 hours; the best hour is given too.
                    free = calendar.DayMinFree, bestHourFree = calendar.DayMaxFree,
                });
        }).WithTags("Capacity").WithSummary("Free GPUs of one SKU in one region, per day or per hour, for the next 90 days");
        return app;
    }

    // Where whole nodes are leased, free figures are whole nodes of this many GPUs (null elsewhere, or when sizes differ).
    private static int? NodeSize(AvailabilityCalendarResult calendar) => calendar.NodeSize > 0 ? calendar.NodeSize : null;
}
