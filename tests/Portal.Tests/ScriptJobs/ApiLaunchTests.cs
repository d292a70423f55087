using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;
using static Portal.Tests.ScriptJobs.ApiJobsKit;

namespace Portal.Tests.ScriptJobs;

/// <summary>POST /api/v1/leases/{id}/jobs and GET /api/v1/jobs/{id}: a launch, its answer, and every bad input refused with nothing created.</summary>
public class ApiLaunchTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task A_launch_answers_201_with_the_job_and_its_location_and_get_reads_it_back()
    {
        var org = await NewOrgAsync(factory);
        var body = Body("echo $PORTAL_TASK_INDEX", gpusPerTask: 1, name: "sweep");
        body["tasks"] = 2;
        body["environment"] = new[] { new { name = "MODE", value = "fast", secret = false } };
        body["timeLimitMinutes"] = 30;
        body["retries"] = 2;
        body["retryExitCodes"] = new[] { 3, 4 };
        body["files"] = new[] { new { name = "input.txt", contentBase64 = Convert.ToBase64String("abc"u8.ToArray()) } };

        var response = await LaunchAsync(org.Jobs, org.Lease.Id, body);
        var job = await JsonAsync(response, HttpStatusCode.Created);
        var id = job.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/jobs/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal(org.Lease.Id, job.GetProperty("leaseId").GetGuid());
        Assert.Equal("Queued", job.GetProperty("state").GetString());
        Assert.Equal(2, job.GetProperty("taskCount").GetInt32());
        Assert.Equal(1, job.GetProperty("gpusPerTask").GetInt32());
        Assert.Equal(30, job.GetProperty("timeLimitMinutes").GetInt32());
        Assert.Equal([3, 4], job.GetProperty("retryExitCodes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(("input.txt", 3L), (job.GetProperty("files")[0].GetProperty("name").GetString(),
            job.GetProperty("files")[0].GetProperty("bytes").GetInt64()));
        Assert.Equal("fast", job.GetProperty("environment")[0].GetProperty("value").GetString());
        Assert.Equal([0, 1], job.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("index").GetInt32()));

        var read = await JsonAsync(await org.Jobs.GetAsync($"/api/v1/jobs/{id}"), HttpStatusCode.OK);
        Assert.Equal("sweep", read.GetProperty("name").GetString());
        Assert.Equal("echo $PORTAL_TASK_INDEX", read.GetProperty("script").GetString());
        var list = await JsonAsync(await org.Jobs.GetAsync($"/api/v1/leases/{org.Lease.Id}/jobs?state=queued&q=swe"), HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), j => j.GetProperty("id").GetGuid() == id);
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_creates_one_job()
    {
        var org = await NewOrgAsync(factory);
        var first = await JsonAsync(await LaunchAsync(org.Jobs, org.Lease.Id, Body(), "launch-1"), HttpStatusCode.Created);
        var again = await JsonAsync(await LaunchAsync(org.Jobs, org.Lease.Id, Body(), "launch-1"), HttpStatusCode.OK);
        Assert.Equal(first.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());
        Assert.Equal(1, await CountJobsAsync(factory, org.Lease.Id));
    }

    [Fact]
    public async Task Missing_fields_are_a_validation_problem_naming_each_and_create_nothing()
    {
        var org = await NewOrgAsync(factory);
        var errors = await LeaseApiCalls.ValidationErrorsAsync(await LaunchAsync(org.Jobs, org.Lease.Id, new { tasks = 2 }));
        Assert.Contains("name", errors.Keys);
        Assert.Contains("script", errors.Keys);
        Assert.Contains("gpusPerTask", errors.Keys);

        var wrongType = await LeaseApiCalls.ValidationErrorsAsync(await LaunchAsync(org.Jobs, org.Lease.Id,
            new Dictionary<string, object?> { ["name"] = "x", ["script"] = "y", ["gpusPerTask"] = "many" }));
        Assert.Contains("gpusPerTask", wrongType.Keys);
        Assert.Equal(0, await CountJobsAsync(factory, org.Lease.Id));
    }

    [Theory]
    [InlineData("script", "")]
    [InlineData("script", "big")]
    [InlineData("gpusPerTask", "3")]
    [InlineData("environment", "1BAD-NAME")]
    public async Task Bad_input_is_refused_naming_its_field_and_creates_nothing(string field, string value)
    {
        var org = await NewOrgAsync(factory, gpus: 2);
        var body = Body();
        switch (field)
        {
            case "script": body["script"] = value == "big" ? new string('#', 1024 * 1024 + 1) : value; break;
            case "gpusPerTask": body["gpusPerTask"] = int.Parse(value); break;
            case "environment": body["environment"] = new[] { new { name = value, value = "x", secret = false } }; break;
        }
        var errors = await LeaseApiCalls.ValidationErrorsAsync(await LaunchAsync(org.Jobs, org.Lease.Id, body));
        Assert.Contains(errors.Keys, k => k.StartsWith(field, StringComparison.Ordinal));
        Assert.Equal(0, await CountJobsAsync(factory, org.Lease.Id));
    }

    [Fact]
    public async Task A_time_limit_past_the_lease_end_is_refused_with_the_end_and_a_link_to_extend()
    {
        var org = await NewOrgAsync(factory, hours: 2);
        var body = Body();
        body["timeLimitMinutes"] = 3 * 60;
        var response = await LaunchAsync(org.Jobs, org.Lease.Id, body);
        var problem = await JsonAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("time_limit_past_lease_end", problem.GetProperty("code").GetString());
        Assert.Equal(org.Lease.End, problem.GetProperty("leaseEnd").GetDateTime().ToUniversalTime());
        Assert.Equal($"/api/v1/leases/{org.Lease.Id}/extend", problem.GetProperty("links").GetProperty("extend").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("timeLimitMinutes", out _));
        Assert.Equal(0, await CountJobsAsync(factory, org.Lease.Id));
    }

    [Fact]
    public async Task An_ended_lease_takes_no_jobs()
    {
        var org = await NewOrgAsync(factory);
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.Leases.Where(l => l.Id == org.Lease.Id).ExecuteUpdateAsync(s => s.SetProperty(l => l.State, LeaseState.Ended));
        var response = await LaunchAsync(org.Jobs, org.Lease.Id, Body());
        Assert.True(response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.BadRequest, $"{response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(0, await CountJobsAsync(factory, org.Lease.Id));
    }

    [Fact]
    public async Task Secret_values_appear_in_no_answer()
    {
        const string secret = "s3cr3t-value-7f2a";
        var org = await NewOrgAsync(factory);
        var body = Body("echo $TOKEN");
        body["environment"] = new object[] { new { name = "TOKEN", value = secret, secret = true }, new { name = "PLAIN", value = "p", secret = false } };
        var created = await LaunchAsync(org.Jobs, org.Lease.Id, body, "secret-launch");
        var text = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
        var token = JsonDocument.Parse(text).RootElement.GetProperty("environment").EnumerateArray().Single(v => v.GetProperty("name").GetString() == "TOKEN");
        Assert.True(token.GetProperty("secret").GetBoolean());
        Assert.Equal(JsonValueKind.Null, token.GetProperty("value").ValueKind);

        var answers = new List<string> { text };
        answers.Add(await (await LaunchAsync(org.Jobs, org.Lease.Id, body, "secret-launch")).Content.ReadAsStringAsync());
        foreach (var url in new[] { $"/api/v1/jobs/{id}", $"/api/v1/leases/{org.Lease.Id}/jobs", $"/api/v1/jobs/{id}/metrics", "/openapi/v1.json" })
            answers.Add(await (await org.Jobs.GetAsync(url)).Content.ReadAsStringAsync());
        answers.Add(await (await org.Jobs.PostAsync($"/api/v1/jobs/{id}/cancel", null)).Content.ReadAsStringAsync());
        Assert.All(answers, a => Assert.DoesNotContain(secret, a));
        // Nor is it stored in the clear.
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var stored = await db.ScriptJobs.AsNoTracking().SingleAsync(j => j.Id == id);
        Assert.DoesNotContain(secret, stored.VariablesJson + stored.SecretsProtected + stored.Script);
    }

    [Fact]
    public async Task Only_the_launch_route_takes_a_body_over_the_apis_default_cap()
    {
        var org = await NewOrgAsync(factory);
        var big = new string('#', 2 * 1024 * 1024);
        var cancel = await org.Jobs.PostAsync($"/api/v1/jobs/{Guid.NewGuid()}/cancel", new StringContent(big, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, cancel.StatusCode);

        // 2 MB of input files (base64 in JSON: about 2.7 MB) are taken and checked, not cut off at 1 MiB.
        var body = Body();
        body["files"] = new[] { new { name = "weights.bin", contentBase64 = Convert.ToBase64String(new byte[2 * 1024 * 1024]) } };
        var job = await JsonAsync(await LaunchAsync(org.Jobs, org.Lease.Id, body), HttpStatusCode.Created);
        Assert.Equal(2L * 1024 * 1024, job.GetProperty("files")[0].GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task A_launch_as_a_form_takes_the_script_and_input_files_as_uploaded()
    {
        var org = await NewOrgAsync(factory);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("""{"name":"from-form","gpusPerTask":1,"tasks":2}"""), "job" },
            { new ByteArrayContent("#!/bin/bash\necho form\n"u8.ToArray()), "script", "train.sh" },
            { new ByteArrayContent(new byte[1000]), "files", "a.bin" },
            { new ByteArrayContent(new byte[10]), "files", "b.csv" },
        };
        var job = await JsonAsync(await org.Jobs.PostAsync($"/api/v1/leases/{org.Lease.Id}/jobs", form), HttpStatusCode.Created);
        Assert.Equal("from-form", job.GetProperty("name").GetString());
        Assert.Equal("#!/bin/bash\necho form\n", job.GetProperty("script").GetString());
        Assert.Equal(2, job.GetProperty("taskCount").GetInt32());
        Assert.Equal([("a.bin", 1000L), ("b.csv", 10L)],
            job.GetProperty("files").EnumerateArray().Select(f => (f.GetProperty("name").GetString(), f.GetProperty("bytes").GetInt64())));
    }
}
