namespace Portal.Web.Leases;

/// <summary>TODO(UI helper): GET /leases/{id}/agreement.pdf and amendments, cookie-authenticated, tenant-scoped.</summary>
public static class LeaseDownloads
{
    public static WebApplication MapLeaseDownloads(this WebApplication app) => app;
}
