using System.IO.Compression;
using System.Text;
using Portal.Core.ScriptJobs;
using static Portal.Core.Pool.PoolLogStream;

namespace Portal.Tests.ScriptJobs;

/// <summary>Members read kept logs by byte offset, live and after the end; other tenants read nothing.</summary>
public sealed class ScriptJobLogReadTests(ScriptJobOutputFactory portal) : IClassFixture<ScriptJobOutputFactory>
{
    [Fact]
    public async Task Reads_by_offset_return_the_rest_exactly_and_say_Complete_only_when_the_task_ended_and_all_is_kept()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId);
        var task = job.Tasks[0];
        portal.Output.Write(task.PoolTaskId!, Stdout, "0123456789abcdefghij");
        await portal.CollectAsync(task.Id);

        await using var member = await portal.As(tenantId, ownerId);
        var logs = member.Get<ScriptJobLogs>();
        var head = await logs.ReadAsync(job.Id, 0, Stdout, 0, 8);
        Assert.Equal("01234567", Encoding.UTF8.GetString(head!.Data));
        Assert.False(head.Complete);
        var rest = await logs.ReadAsync(job.Id, 0, Stdout, 8, 1 << 20);
        Assert.Equal(8, rest!.Offset);
        Assert.Equal("89abcdefghij", Encoding.UTF8.GetString(rest.Data));
        Assert.False(rest.Complete); // the task still runs

        portal.Output.Write(task.PoolTaskId!, Stdout, "klm\n");
        portal.Output.End(task.PoolTaskId!);
        await portal.UpdateTaskAsync(task.Id, t => ScriptJobStateMachine.Move(t, ScriptJobState.Succeeded, null, portal.Now));
        var beforeFinalCollect = await logs.ReadAsync(job.Id, 0, Stdout, 20, 1 << 20);
        Assert.False(beforeFinalCollect!.Complete); // ended, but the last bytes are not kept yet
        await portal.CollectAsync(task.Id);

        var tail = await logs.ReadAsync(job.Id, 0, Stdout, 20, 1 << 20);
        Assert.Equal("klm\n", Encoding.UTF8.GetString(tail!.Data));
        Assert.True(tail.Complete);
        var stderr = await logs.ReadAsync(job.Id, 0, Stderr, 0, 1 << 20);
        Assert.Empty(stderr!.Data);
        Assert.True(stderr.Complete);
        Assert.Null(await logs.ReadAsync(job.Id, 1, Stdout, 0, 100)); // no such task
    }

    [Fact]
    public async Task Another_tenants_job_logs_metrics_and_downloads_are_not_there()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId);
        portal.Output.Write(job.Tasks[0].PoolTaskId!, Stdout, "private\n");
        portal.Output.Sample(job.Tasks[0].PoolTaskId!, new Portal.Core.Pool.PoolGpuSample(portal.Now, 0, 90, 1000, 300));
        await portal.CollectAsync(job.Tasks[0].Id);

        var (otherTenant, otherOwner) = await portal.NewTenantAsync();
        await using var other = await portal.As(otherTenant, otherOwner);
        Assert.Null(await other.Get<ScriptJobLogs>().ReadAsync(job.Id, 0, Stdout, 0, 100));
        Assert.Null(await other.Get<ScriptJobLogs>().OpenDownloadAsync(job.Id, 0, Stdout));
        Assert.Null(await other.Get<ScriptJobLogs>().OpenArchiveAsync(job.Id));
        Assert.Null(await other.Get<ScriptJobMetrics>().ReadAsync(job.Id, null));

        await using var member = await portal.As(tenantId, ownerId);
        Assert.Equal("private\n", Encoding.UTF8.GetString((await member.Get<ScriptJobLogs>().ReadAsync(job.Id, 0, Stdout, 0, 100))!.Data));
        Assert.Single((await member.Get<ScriptJobMetrics>().ReadAsync(job.Id, null))!);
    }

    [Fact]
    public async Task Downloads_give_one_stream_as_a_file_and_all_of_a_jobs_logs_as_a_zip()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId, tasks: 2, name: "sweep lr/1");
        portal.Output.Write(job.Tasks[0].PoolTaskId!, Stdout, "task zero out\n");
        portal.Output.Write(job.Tasks[0].PoolTaskId!, Stderr, "task zero err\n");
        portal.Output.Write(job.Tasks[1].PoolTaskId!, Stdout, "task one out\n");
        foreach (var t in job.Tasks) await portal.CollectAsync(t.Id);

        await using var member = await portal.As(tenantId, ownerId);
        var logs = member.Get<ScriptJobLogs>();
        var file = await logs.OpenDownloadAsync(job.Id, 1, Stdout);
        Assert.Equal("sweep-lr-1-task-1.stdout.log", file!.FileName);
        await using (file.Content)
            Assert.Equal("task one out\n", await new StreamReader(file.Content).ReadToEndAsync());

        var archive = await logs.OpenArchiveAsync(job.Id);
        Assert.Equal("sweep-lr-1-logs.zip", archive!.FileName);
        using var zipped = new MemoryStream();
        await archive.WriteToAsync(zipped, CancellationToken.None);
        zipped.Position = 0;
        using var zip = new ZipArchive(zipped, ZipArchiveMode.Read);
        var entries = zip.Entries.ToDictionary(e => e.FullName, e => new StreamReader(e.Open()).ReadToEnd());
        Assert.Equal(new Dictionary<string, string>
        {
            ["task-0.stdout.log"] = "task zero out\n", ["task-0.stderr.log"] = "task zero err\n", ["task-1.stdout.log"] = "task one out\n",
        }, entries);
    }
}
