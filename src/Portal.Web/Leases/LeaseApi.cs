namespace Portal.Web.Leases;

/// <summary>TODO(API helper): the REST API under /api/v1/leases.</summary>
public static class LeaseApi
{
    public static WebApplication MapLeaseApi(this WebApplication app) => app;
}
