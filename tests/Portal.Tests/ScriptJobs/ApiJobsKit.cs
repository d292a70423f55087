using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiKeys;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;
using Portal.Tests.Batches;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// What the script-job API tests share: an organisation with an Active lease and API keys, launch bodies, and jobs and
/// logs arranged straight in the database and the log keep (for reads that need no pool).
/// </summary>
internal static class ApiJobsKit
{
    public const string Region = "us-south-1";
    public const string Sku = "h100-sxm-80gb";

    public sealed record Org(Guid TenantId, string OwnerId, Lease Lease, HttpClient Jobs);

    /// <summary>A new organisation with an Active lease of <paramref name="gpus"/> GPUs and a client whose key has Read and Jobs.</summary>
    public static async Task<Org> NewOrgAsync(LeaseFactory factory, int gpus = 2, int hours = 24)
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var lease = await new LifecycleKit(factory).ActiveAsync(tenantId, ownerId, new LeaseRequest(Region, Sku, gpus, factory.ThisHour, hours));
        var secret = await OpenAiTestKit.NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Read | ApiKeyScopes.Jobs);
        return new Org(tenantId, ownerId, lease, OpenAiTestKit.Http(factory, secret));
    }

    /// <summary>A client with a key of <paramref name="scopes"/> made by a new member of <paramref name="role"/>.</summary>
    public static async Task<HttpClient> MemberKeyAsync(LeaseFactory factory, Guid tenantId, TenantRole role, ApiKeyScopes scopes)
    {
        var userId = await OpenAiTestKit.NewMemberAsync(factory, tenantId, role);
        return OpenAiTestKit.Http(factory, await OpenAiTestKit.NewKeyAsync(factory, tenantId, userId, scopes));
    }

    /// <summary>A signed-in member of <paramref name="role"/> (cookie), as the portal's pages call the API.</summary>
    public static async Task<PortalClient> SignedInAsync(LeaseFactory factory, Guid tenantId, TenantRole role)
    {
        var user = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenantId, user, role);
        var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);
        return client;
    }

    public static Dictionary<string, object?> Body(string script = "echo hello", int gpusPerTask = 1, string name = "hello") => new()
    {
        ["name"] = name, ["script"] = script, ["gpusPerTask"] = gpusPerTask,
    };

    public static Task<HttpResponseMessage> LaunchAsync(HttpClient http, Guid leaseId, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/leases/{leaseId}/jobs") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return http.SendAsync(request);
    }

    public static Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected) =>
        LeaseApiCalls.JsonAsync(response, expected);

    public static async Task<int> CountJobsAsync(LeaseFactory factory, Guid leaseId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.ScriptJobs.CountAsync(j => j.LeaseId == leaseId);
    }

    /// <summary>A job with <paramref name="tasks"/> tasks stored as the launcher and supervisor would leave it (no pool involved).</summary>
    public static async Task<ScriptJob> InsertJobAsync(LeaseFactory factory, Org org, ScriptJobState state, int tasks = 1,
        string variablesJson = "[]")
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope).ForTenant(org.TenantId);
        var job = new ScriptJob
        {
            LeaseId = org.Lease.Id, Name = "arranged", Script = "echo arranged", GpusPerTask = 1, TaskCount = tasks, State = state,
            VariablesJson = variablesJson, CreatedByUserId = org.OwnerId, CreatedAt = factory.Now,
        };
        job.Tasks.AddRange(Enumerable.Range(0, tasks).Select(i => new ScriptJobTask
        {
            JobId = job.Id, LeaseId = org.Lease.Id, Index = i, State = state, Gpus = 1,
        }));
        db.ScriptJobs.Add(job);
        await db.SaveChangesAsync();
        return job;
    }

    /// <summary>Moves an arranged job and its tasks to <paramref name="state"/> (e.g. final, so that its log is complete).</summary>
    public static async Task SetStateAsync(LeaseFactory factory, Guid jobId, ScriptJobState state)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        await db.ScriptJobTasks.Where(t => t.JobId == jobId).ExecuteUpdateAsync(s => s.SetProperty(t => t.State, state));
        await db.ScriptJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s.SetProperty(j => j.State, state));
    }
}
