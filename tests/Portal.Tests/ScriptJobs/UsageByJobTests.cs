using System.Text.RegularExpressions;
using System.Net;
using Bunit;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;
using Portal.Web.ScriptJobs;
using Portal.Web.Usage;

namespace Portal.Tests.ScriptJobs;

/// <summary>The usage page and its CSV break a lease down by job: each job's GPU-hours and the idle rest add up to the lease's.</summary>
public sealed class UsageByJobTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly ScriptJobPagesKit kit = new(factory);

    public Task InitializeAsync() => kit.StartAsync();
    public async Task DisposeAsync() => await kit.DisposeAsync();

    [Fact]
    public async Task The_usage_page_lists_each_leases_jobs_with_their_gpu_hours_and_the_idle_rest()
    {
        var lease = await kit.ActiveLeaseAsync();
        await kit.AddJobAsync(lease, "train", ScriptJobState.Succeeded, j => j.GpuSeconds = 6 * 3600);
        await kit.AddJobAsync(lease, "eval", ScriptJobState.Running, j => j.GpuSeconds = 3600);
        await kit.ActAsync();

        var section = kit.Ctx.Render<UsageByJob>(p => p.Add(x => x.Query, UsageQuery.Parse(null, null, null, null, null)));

        section.WaitForAssertion(() => Assert.Single(section.FindAll("[data-testid=usage-lease]")));
        var heading = Regex.Replace(section.Find("[data-testid=usage-lease]").TextContent, @"\s+", " ");
        Assert.Contains("8.00 GPU-hours: 7.00 by 2 jobs", heading);
        Assert.Equal("1.00 idle", section.Find("[data-testid=usage-lease-idle]").TextContent);
        Assert.EndsWith("period=this-month&breakdown=jobs", section.Find("[data-testid=usage-by-job-csv]").GetAttribute("href"));
    }

    [Fact]
    public async Task The_csv_by_job_has_a_line_per_job_and_one_idle_line_per_lease()
    {
        var lease = await kit.ActiveLeaseAsync();
        var train = await kit.AddJobAsync(lease, "=train", ScriptJobState.Succeeded, j => j.GpuSeconds = 6 * 3600);
        var other = await kit.ActiveLeaseAsync(); // nothing ran on it: all idle
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(kit.OwnerEmail);

        var response = await client.GetAsync($"{UsageWebExtensions.ExportPath}?period=this-month&breakdown=jobs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(string.Join(",", JobUsageCsv.Header), lines[0]);
        // The newest lease first; the first has been Active for one hour (8 GPU-hours), the other for four (32).
        Assert.Equal($"{other.Id},{other.SkuId},8,8,idle,,,,,,8", lines[1]);
        Assert.StartsWith($"{lease.Id},{lease.SkuId},8,32,job,{train.Id},", lines[2]);
        Assert.Contains(",Succeeded,", lines[2]);
        Assert.DoesNotContain(",=train,", lines[2]); // a name that starts a formula is escaped
        Assert.EndsWith(",6", lines[2]);
        Assert.Equal($"{lease.Id},{lease.SkuId},8,32,idle,,,,,,26", lines[3]);
        Assert.Equal(4, lines.Count);
    }
}
