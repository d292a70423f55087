using System.Net;
using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;
using static Portal.Tests.ScriptJobs.ApiJobsKit;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The jobs API names things as the rest of /api/v1 does (the lease API): camelCase in bodies, answers, problem details,
/// query parameters, live log events and the OpenAPI document. DCGM's own field names are kept as DCGM spells them.
/// </summary>
public class ApiNamingTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task A_job_and_its_list_answer_with_the_same_camel_case_names_as_the_lease_api()
    {
        var org = await NewOrgAsync(factory);
        var body = Body("echo hi", gpusPerTask: 1, name: "named");
        body["timeLimitMinutes"] = 30;
        body["retryExitCodes"] = new[] { 3 };
        body["environment"] = new[] { new { name = "MODE", value = "x", secret = false } };
        var job = await JsonAsync(await LaunchAsync(org.Jobs, org.Lease.Id, body), HttpStatusCode.Created);
        Assert.Equal(1, job.GetProperty("gpusPerTask").GetInt32()); // the camelCase body was read
        Assert.Equal(30, job.GetProperty("timeLimitMinutes").GetInt32());
        var id = job.GetProperty("id").GetGuid();

        var lease = await JsonAsync(await org.Jobs.GetAsync($"/api/v1/leases/{org.Lease.Id}"), HttpStatusCode.OK);
        var list = await JsonAsync(await org.Jobs.GetAsync($"/api/v1/leases/{org.Lease.Id}/jobs?pageSize=1"), HttpStatusCode.OK);
        var one = await JsonAsync(await org.Jobs.GetAsync($"/api/v1/jobs/{id}"), HttpStatusCode.OK);

        Assert.Empty(NotCamel(lease)); // the convention this API follows
        Assert.Empty(NotCamel(one));
        Assert.Empty(NotCamel(list));
        Assert.Equal(1, list.GetProperty("pageSize").GetInt32());
        Assert.True(list.GetProperty("hasMore").ValueKind is JsonValueKind.False or JsonValueKind.True);
        Assert.Equal(org.Lease.Id, one.GetProperty("leaseId").GetGuid());
        Assert.Equal("/api/v1/jobs/" + id + "/logs/download", one.GetProperty("links").GetProperty("logsDownload").GetString());
    }

    [Fact]
    public async Task Bad_input_is_named_in_camel_case_and_snake_case_names_are_not_taken()
    {
        var org = await NewOrgAsync(factory, hours: 2);
        var snake = new Dictionary<string, object?> { ["name"] = "x", ["script"] = "echo", ["gpus_per_task"] = 1 };
        var problem = await JsonAsync(await LaunchAsync(org.Jobs, org.Lease.Id, snake), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("gpusPerTask", out _));

        var pastEnd = Body();
        pastEnd["timeLimitMinutes"] = 3 * 60;
        var refused = await JsonAsync(await LaunchAsync(org.Jobs, org.Lease.Id, pastEnd), HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("timeLimitMinutes", out _));
        Assert.Equal(JsonValueKind.String, refused.GetProperty("leaseEnd").ValueKind);
        Assert.True(refused.GetProperty("links").TryGetProperty("extendableUntil", out _));

        var badPage = await JsonAsync(await org.Jobs.GetAsync($"/api/v1/leases/{org.Lease.Id}/jobs?pageSize=0"), HttpStatusCode.BadRequest);
        Assert.True(badPage.GetProperty("errors").TryGetProperty("pageSize", out _));
        Assert.Equal(0, await CountJobsAsync(factory, org.Lease.Id));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_jobs_api_in_camel_case()
    {
        var org = await NewOrgAsync(factory);
        using var doc = JsonDocument.Parse(await org.Jobs.GetStringAsync("/openapi/v1.json"));
        var schemas = doc.RootElement.GetProperty("components").GetProperty("schemas");
        foreach (var name in new[] { "LaunchJobBody", "JobJson", "JobListJson", "JobTaskJson" })
            Assert.Empty(NotCamel(schemas.GetProperty(name).GetProperty("properties"), deep: false));
        Assert.True(schemas.GetProperty("LaunchJobBody").GetProperty("properties").TryGetProperty("gpusPerTask", out _));
    }

    [Fact]
    public void A_live_log_event_names_its_offsets_in_camel_case()
    {
        var text = Portal.Web.ScriptJobs.ScriptJobLogStream.LogEvent(0, [0xff, 0x41], 2);
        using var data = JsonDocument.Parse(text.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..]);
        Assert.Equal(2, data.RootElement.GetProperty("nextOffset").GetInt64());
        Assert.Equal("/0E=", data.RootElement.GetProperty("bytesBase64").GetString());
        Assert.Empty(NotCamel(data.RootElement));
    }

    /// <summary>Property names (at any depth) that are not camelCase: with an underscore, or not starting lower case.</summary>
    private static List<string> NotCamel(JsonElement e, bool deep = true)
    {
        var bad = new List<string>();
        void Walk(JsonElement x)
        {
            if (x.ValueKind == JsonValueKind.Array) foreach (var item in x.EnumerateArray()) Walk(item);
            if (x.ValueKind != JsonValueKind.Object) return;
            foreach (var p in x.EnumerateObject())
            {
                if (!p.Name.StartsWith("DCGM_", StringComparison.Ordinal) && (p.Name.Contains('_') || !char.IsLower(p.Name[0]))) bad.Add(p.Name);
                if (deep) Walk(p.Value);
            }
        }
        Walk(e);
        return bad;
    }
}
