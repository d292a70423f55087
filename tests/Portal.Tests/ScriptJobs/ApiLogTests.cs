using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;
using static Portal.Tests.ScriptJobs.ApiJobsKit;

namespace Portal.Tests.ScriptJobs;

/// <summary>GET /api/v1/jobs/{id}/logs by offset (polling) and as Server-Sent Events with resume, and the download, against the kept log.</summary>
public class ApiLogTests(ApiJobsFactory factory) : IClassFixture<ApiJobsFactory>
{
    /// <summary>Lines with two- and four-byte characters, so that chunk edges fall inside characters.</summary>
    private static byte[] Log(int lines, string tag) => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, lines)
        .Select(i => $"{tag} line {i}: café ünïcödé 😀 {new string('x', i % 37)}\n")));

    [Fact]
    public async Task Polling_from_an_offset_returns_exactly_the_rest_and_says_where_to_go_on()
    {
        var org = await NewOrgAsync(factory);
        var job = await InsertJobAsync(factory, org, ScriptJobState.Succeeded);
        var whole = Log(50, "out");
        await factory.AppendLogAsync(job.Id, 0, "stdout", whole);

        var rest = await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/logs?task=0&stream=stdout&offset=100");
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        Assert.Equal("text/plain", rest.Content.Headers.ContentType!.MediaType);
        Assert.Equal(whole[100..], await rest.Content.ReadAsByteArrayAsync());
        Assert.Equal(whole.Length.ToString(), rest.Headers.GetValues("X-Log-Next-Offset").Single());
        Assert.Equal("true", rest.Headers.GetValues("X-Log-Complete").Single());

        // Small pages: each ends on a character, and together they are the log.
        var read = new List<byte>();
        var offset = 0L;
        while (true)
        {
            var page = await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/logs?offset={offset}&limit=333");
            var bytes = await page.Content.ReadAsByteArrayAsync();
            Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(bytes));
            read.AddRange(bytes);
            offset = long.Parse(page.Headers.GetValues("X-Log-Next-Offset").Single());
            if (page.Headers.GetValues("X-Log-Complete").Single() == "true") break;
        }
        Assert.Equal(whole, read.ToArray());
    }

    [Fact]
    public async Task Server_sent_events_follow_the_log_live_and_resume_after_a_dropped_connection_with_nothing_lost_or_doubled()
    {
        var org = await NewOrgAsync(factory);
        var job = await InsertJobAsync(factory, org, ScriptJobState.Running);
        byte[] a = Log(3000, "a"), b = Log(2000, "b"), c = Log(1000, "c");
        await factory.AppendLogAsync(job.Id, 0, "stdout", a);
        var received = new List<byte>();

        string lastId;
        using (var first = await SseEvents.OpenAsync(org.Jobs, $"/api/v1/jobs/{job.Id}/logs?stream=stdout", null))
        {
            var e = await first.NextAsync() ?? throw new InvalidOperationException("The stream ended early.");
            while (true)
            {
                Assert.Equal("log", e.Name);
                received.AddRange(e.Bytes());
                if (long.Parse(e.Id!) == a.Length) break;
                e = await first.NextAsync() ?? throw new InvalidOperationException("The stream ended early.");
            }
            await factory.AppendLogAsync(job.Id, 0, "stdout", b); // it follows: what is written now arrives on the same stream
            e = await first.NextAsync() ?? throw new InvalidOperationException("The stream ended early.");
            received.AddRange(e.Bytes());
            lastId = e.Id!;
        } // the connection drops here, in the middle of b

        await factory.AppendLogAsync(job.Id, 0, "stdout", c);
        await SetStateAsync(factory, job.Id, ScriptJobState.Succeeded);
        using (var second = await SseEvents.OpenAsync(org.Jobs, $"/api/v1/jobs/{job.Id}/logs?stream=stdout", lastId))
        {
            while (await second.NextAsync() is { } e)
            {
                if (e.Name == "end")
                {
                    Assert.Equal(a.Length + b.Length + c.Length, long.Parse(e.Id!));
                    break;
                }
                received.AddRange(e.Bytes());
            }
        }
        Assert.Equal([.. a, .. b, .. c], received.ToArray());
    }

    [Fact]
    public async Task The_download_is_the_whole_kept_log_of_a_stream_or_a_zip_of_all()
    {
        var org = await NewOrgAsync(factory);
        var job = await InsertJobAsync(factory, org, ScriptJobState.Failed, tasks: 2);
        var out1 = Log(100, "task1");
        var err0 = Log(10, "err0");
        await factory.AppendLogAsync(job.Id, 1, "stdout", out1);
        await factory.AppendLogAsync(job.Id, 0, "stderr", err0);

        var one = await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/logs/download?task=1&stream=stdout");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal("attachment", one.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(out1, await one.Content.ReadAsByteArrayAsync());

        var all = await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/logs/download");
        Assert.Equal("application/zip", all.Content.Headers.ContentType!.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await all.Content.ReadAsByteArrayAsync()));
        byte[] Entry(string task, string stream)
        {
            var entry = zip.Entries.Single(e => e.FullName.Contains(task) && e.FullName.Contains(stream));
            using var s = entry.Open();
            var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        }
        Assert.Equal(out1, Entry("task-1", "stdout"));
        Assert.Equal(err0, Entry("task-0", "stderr"));
    }

    [Fact]
    public async Task A_bad_task_or_stream_is_a_validation_problem_naming_it()
    {
        var org = await NewOrgAsync(factory);
        var job = await InsertJobAsync(factory, org, ScriptJobState.Running, tasks: 2);
        Assert.Contains("task", await Portal.Tests.Leases.LeaseApiCalls.ValidationErrorsAsync(await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/logs?task=2")));
        Assert.Contains("stream",
            await Portal.Tests.Leases.LeaseApiCalls.ValidationErrorsAsync(await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/logs?stream=both")));
        Assert.Contains("offset",
            await Portal.Tests.Leases.LeaseApiCalls.ValidationErrorsAsync(await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/logs?offset=-1")));
    }

    [Fact]
    public async Task Metrics_come_with_dcgm_field_names_per_task_and_gpu_and_after_returns_only_newer_samples()
    {
        var org = await NewOrgAsync(factory);
        var job = await InsertJobAsync(factory, org, ScriptJobState.Running, tasks: 2);
        var t0 = factory.Now;
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope).ForTenant(org.TenantId))
        {
            foreach (var (at, task, gpu, util) in new[] { (t0, 0, 0, 5.0), (t0, 1, 3, 7.0), (t0.AddSeconds(10), 0, 0, 95.0), (t0.AddSeconds(10), 1, 3, 90.0) })
                db.ScriptJobSamples.Add(new ScriptJobSample
                {
                    JobId = job.Id, TaskIndex = task, GpuIndex = gpu, At = at, GpuUtil = util, FbUsedMiB = 40_000, PowerUsageWatts = 650,
                });
            await db.SaveChangesAsync();
        }

        var all = await JsonAsync(await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/metrics"), HttpStatusCode.OK);
        var samples = all.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(4, samples.Count);
        Assert.Equal((1, 3, 7.0, 40_000.0, 650.0), (samples[1].GetProperty("task").GetInt32(), samples[1].GetProperty("gpu").GetInt32(),
            samples[1].GetProperty("DCGM_FI_DEV_GPU_UTIL").GetDouble(), samples[1].GetProperty("DCGM_FI_DEV_FB_USED").GetDouble(),
            samples[1].GetProperty("DCGM_FI_DEV_POWER_USAGE").GetDouble()));

        var after = Uri.EscapeDataString(t0.ToString("O"));
        var newer = await JsonAsync(await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/metrics?after={after}"), HttpStatusCode.OK);
        Assert.Equal([95.0, 90.0], newer.GetProperty("samples").EnumerateArray().Select(e => e.GetProperty("DCGM_FI_DEV_GPU_UTIL").GetDouble()));
        Assert.Contains("after",
            await Portal.Tests.Leases.LeaseApiCalls.ValidationErrorsAsync(await org.Jobs.GetAsync($"/api/v1/jobs/{job.Id}/metrics?after=yesterday")));
    }
}
