namespace Portal.Web.Leases;

public static class LeasesWebExtensions
{
    /// <summary>The lease pages' endpoints (agreement downloads) and the REST API under /api/v1/leases.</summary>
    public static WebApplication MapPortalLeases(this WebApplication app)
    {
        app.MapLeaseDownloads();
        app.MapLeaseApi();
        return app;
    }
}
