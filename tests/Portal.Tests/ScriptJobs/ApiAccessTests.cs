using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiKeys;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;
using Portal.Tests.Batches;
using Portal.Tests.Infrastructure;
using static Portal.Tests.ScriptJobs.ApiJobsKit;

namespace Portal.Tests.ScriptJobs;

/// <summary>Who may do what with the script-job API: tenants see only their own, Viewers only read, keys need the Jobs scope to act.</summary>
public class ApiAccessTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task Another_tenants_lease_job_logs_and_metrics_are_404()
    {
        var org = await NewOrgAsync(factory);
        var rival = await NewOrgAsync(factory);
        var job = await InsertJobAsync(factory, org, ScriptJobState.Running);

        var launch = await LaunchAsync(rival.Jobs, org.Lease.Id, Body());
        Assert.Equal(HttpStatusCode.NotFound, launch.StatusCode);
        Assert.Equal("application/problem+json", launch.Content.Headers.ContentType!.MediaType);
        foreach (var url in new[]
                 {
                     $"/api/v1/leases/{org.Lease.Id}/jobs", $"/api/v1/jobs/{job.Id}", $"/api/v1/jobs/{job.Id}/logs",
                     $"/api/v1/jobs/{job.Id}/logs/download", $"/api/v1/jobs/{job.Id}/metrics",
                 })
            Assert.Equal(HttpStatusCode.NotFound, (await rival.Jobs.GetAsync(url)).StatusCode);
        var cancel = await rival.Jobs.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        Assert.Equal(0, await CountJobsAsync(factory, rival.Lease.Id));
        Assert.Equal("Running", (await JsonAsync(await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}"), HttpStatusCode.OK))
            .GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_viewer_reads_jobs_but_cannot_launch_or_cancel()
    {
        var org = await NewOrgAsync(factory);
        var job = await InsertJobAsync(factory, org, ScriptJobState.Queued);
        using var viewer = await SignedInAsync(factory, org.TenantId, TenantRole.Viewer);

        Assert.Equal(HttpStatusCode.Forbidden, (await LaunchAsync(viewer.Http, org.Lease.Id, Body())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Http.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Http.GetAsync($"/api/v1/jobs/{job.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Http.GetAsync($"/api/v1/leases/{org.Lease.Id}/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Http.GetAsync($"/api/v1/jobs/{job.Id}/logs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Http.GetAsync($"/api/v1/jobs/{job.Id}/metrics")).StatusCode);
        Assert.Equal(1, await CountJobsAsync(factory, org.Lease.Id));
    }

    [Fact]
    public async Task A_key_without_the_jobs_scope_reads_but_cannot_launch()
    {
        var org = await NewOrgAsync(factory);
        using var read = await MemberKeyAsync(factory, org.TenantId, TenantRole.Admin, ApiKeyScopes.Read);
        using var leases = await MemberKeyAsync(factory, org.TenantId, TenantRole.Admin, ApiKeyScopes.Read | ApiKeyScopes.Leases | ApiKeyScopes.Batches);
        var job = await InsertJobAsync(factory, org, ScriptJobState.Queued);

        foreach (var http in new[] { read, leases })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await LaunchAsync(http, org.Lease.Id, Body())).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/v1/jobs/{job.Id}/metrics")).StatusCode);
        }
        Assert.Equal(1, await CountJobsAsync(factory, org.Lease.Id));
    }

    [Fact]
    public async Task The_jobs_scope_acts_as_a_member_and_never_above_its_creator_so_a_demoted_creators_key_cannot_launch()
    {
        Assert.Equal(TenantRole.Member, ApiKeyRoles.Needed(ApiKeyScopes.Jobs));
        Assert.Equal(TenantRole.Member, ApiKeyRoles.Effective(ApiKeyScopes.Read | ApiKeyScopes.Jobs, TenantRole.Owner));
        Assert.Equal(ApiKeyScopes.Jobs, ApiKeyRoles.All & ApiKeyScopes.Jobs);

        var org = await NewOrgAsync(factory);
        var adminId = await OpenAiTestKit.NewMemberAsync(factory, org.TenantId, TenantRole.Admin);
        using var http = OpenAiTestKit.Http(factory, await OpenAiTestKit.NewKeyAsync(factory, org.TenantId, adminId, ApiKeyScopes.Read | ApiKeyScopes.Jobs));
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.Memberships.Where(m => m.TenantId == org.TenantId && m.UserId == adminId)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, TenantRole.Viewer));

        Assert.Equal(HttpStatusCode.Forbidden, (await LaunchAsync(http, org.Lease.Id, Body())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/v1/leases/{org.Lease.Id}/jobs")).StatusCode);
        Assert.Equal(0, await CountJobsAsync(factory, org.Lease.Id));
    }

    [Fact]
    public async Task The_openapi_document_lists_the_job_routes()
    {
        using var http = factory.CreateClient();
        var doc = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[]
                 {
                     "/api/v1/leases/{id}/jobs", "/api/v1/jobs/{id}", "/api/v1/jobs/{id}/cancel", "/api/v1/jobs/{id}/logs",
                     "/api/v1/jobs/{id}/logs/download", "/api/v1/jobs/{id}/metrics",
                 })
            Assert.Contains(path, paths);
        var launch = doc.GetProperty("paths").GetProperty("/api/v1/leases/{id}/jobs").GetProperty("post");
        Assert.Contains("Idempotency-Key", launch.GetProperty("description").GetString());
        Assert.Contains("text/event-stream",
            doc.GetProperty("paths").GetProperty("/api/v1/jobs/{id}/logs").GetProperty("get").GetProperty("description").GetString());
    }
}
