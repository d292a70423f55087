namespace Portal.Web.ScriptJobs;

public static class ScriptJobsWebExtensions
{
    /// <summary>The script jobs' REST API (/api/v1/leases/{id}/jobs, /api/v1/jobs); the pages are found by routing.</summary>
    public static WebApplication MapPortalScriptJobs(this WebApplication app)
    {
        app.MapScriptJobApi();
        return app;
    }
}
