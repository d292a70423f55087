using Hangfire;
using Hangfire.Dashboard;
using Portal.Core.Admin;
using Portal.Web.Components.Account;

namespace Portal.Web.Admin;

public static class AdminWebExtensions
{
    public static WebApplication MapPortalAdmin(this WebApplication app)
    {
        // Support only: anonymous users are sent to sign in, tenant members are refused.
        app.MapHangfireDashboardWithAuthorizationPolicy(AccountServiceCollectionExtensions.SupportPolicy, "/admin/jobs",
            new DashboardOptions { DashboardTitle = "Portal background jobs", AppPath = "/", DisplayStorageConnectionString = false });
        return app;
    }
}
