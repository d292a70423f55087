using Portal.Core.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>Reading a lease's jobs: one with its tasks in order, lists newest first with filters and pages.</summary>
public class ScriptJobQueryTests(ScriptJobFactory factory) : IClassFixture<ScriptJobFactory>
{
    private readonly ScriptJobKit kit = new(factory);

    [Fact]
    public async Task A_job_comes_with_its_tasks_in_index_order()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request() with { Tasks = 12 });

        var got = await kit.GetAsync(tenantId, ownerId, job.Id);

        Assert.Equal(Enumerable.Range(0, 12), got!.Tasks.Select(t => t.Index));
        Assert.Equal("#!/bin/bash\necho hello\n", got.Script);
        Assert.Null(await kit.GetAsync(tenantId, ownerId, Guid.NewGuid()));
    }

    [Fact]
    public async Task A_lease_list_is_newest_first_filtered_by_state_and_name_and_paged()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var names = new[] { "Train ResNet", "eval resnet", "train bert", "sweep" };
        var jobs = new List<ScriptJob>();
        foreach (var name in names) jobs.Add(await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request(name)));
        await kit.CancelAsync(tenantId, ownerId, jobs[2].Id);
        await using var member = await factory.As(tenantId, ownerId);
        var queries = member.Get<ScriptJobQueries>();

        var all = (await queries.ListForLeaseAsync(lease.Id, new ScriptJobFilter()))!;
        var resnet = (await queries.ListForLeaseAsync(lease.Id, new ScriptJobFilter(Search: "RESNET")))!;
        var cancelled = (await queries.ListForLeaseAsync(lease.Id, new ScriptJobFilter(ScriptJobState.Cancelled)))!;
        var page2 = (await queries.ListForLeaseAsync(lease.Id, new ScriptJobFilter(Page: 2, PageSize: 3)))!;
        var counts = await queries.CountByStateAsync(lease.Id);

        Assert.Equal(names.Reverse(), all.Items.Select(j => j.Name)); // same instant: submission order breaks the tie
        Assert.Equal(4, all.Total);
        Assert.All(all.Items, j => Assert.Equal("", j.Script)); // lists leave the script out
        Assert.Equal(["eval resnet", "Train ResNet"], resnet.Items.Select(j => j.Name));
        Assert.Equal(2, resnet.Total);
        Assert.Equal("train bert", Assert.Single(cancelled.Items).Name);
        Assert.Equal(("Train ResNet", 4), (Assert.Single(page2.Items).Name, page2.Total));
        Assert.Equal((3, 1), (counts[ScriptJobState.Queued], counts[ScriptJobState.Cancelled]));
        Assert.Equal(4, (await queries.ListAsync(new ScriptJobFilter())).Total);
    }
}
