using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Tests.ScriptJobs;
using Xunit.Abstractions;

namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// Issue 15's kill test: the real portal, a process of its own on a region of the test Slurm cluster, is killed with SIGKILL
/// the moment Slurm shows its lease's reservation (provisioning under way), and again while a Slurm job runs. After each
/// restart nothing is reserved twice, the job is neither killed nor submitted again, its log continues without a gap or a
/// double, and once the lease is released nothing is left behind in Slurm.
/// </summary>
[Trait("Pool", "Slurm")]
[Collection(SlurmClusterCollection.Name)]
public sealed class SlurmKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Lines = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly SlurmKillFactory factory = new();
    private readonly List<PortalProcess> portals = [];
    private readonly string marks = Path.Combine(SlurmCluster.JobRoot, $"kill-marks-{Guid.NewGuid():N}");
    private Guid leaseId;

    public async Task InitializeAsync()
    {
        await factory.InitializeAsync();
        Directory.CreateDirectory(marks);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(marks, (UnixFileMode)0b111_111_111); // the job runs as nobody
    }

    [Fact]
    public async Task Killed_while_provisioning_and_while_a_job_runs_the_restarted_portal_doubles_nothing_loses_nothing_and_leaves_nothing()
    {
        var first = StartPortal();
        await WaitUntilAsync(first, "the Slurm region's nodes are in the catalog", db => db.Nodes.AnyAsync(n => n.RegionId == SlurmKillFactory.Region));
        (var tenantId, var ownerId, leaseId) = await factory.SignedLeaseAsync();

        // Provisioning: the portal dies as soon as Slurm holds the reservation, whether or not it recorded that yet.
        var deadline = DateTime.UtcNow + Patience;
        while (await ReservationAsync() is null)
        {
            if (first.HasExited || DateTime.UtcNow > deadline) throw new TimeoutException($"No reservation in Slurm for the lease.\n{first.Tail()}");
            await Task.Delay(10);
        }
        await first.KillAsync();
        await using (var db = NewDb())
            output.WriteLine($"killed while provisioning: lease {(await db.Leases.IgnoreQueryFilters().SingleAsync(l => l.Id == leaseId)).State}");

        var second = StartPortal();
        await WaitUntilAsync(second, "the lease is Active", db => db.Leases.AnyAsync(l => l.Id == leaseId && l.State == LeaseState.Active));
        var node = await NodeOfLeaseAsync();
        var reservation = await ReservationAsync();
        Assert.Single(await ReservationsAsync());
        Assert.Contains($"Nodes={node} ", reservation);

        Guid jobId;
        await using (var member = await factory.AsMemberAsync(tenantId, ownerId))
            jobId = (await member.ServiceProvider.GetRequiredService<ScriptJobLaunching>()
                .LaunchAsync(leaseId, new ScriptJobRequest("survives a killed portal", Script(), GpusPerTask: 2))).Id;
        await WaitUntilAsync(second, "the job runs on Slurm and its first lines are kept", async db =>
            await db.ScriptJobs.AnyAsync(j => j.Id == jobId && j.State == ScriptJobState.Running)
            && (await KeptStdoutAsync(tenantId, ownerId, jobId)).Contains("line 3\n"));
        await second.KillAsync();
        var taskId = await PoolTaskIdAsync(jobId);
        Assert.Contains("JobState=RUNNING", await SlurmJobAsync(taskId));

        var third = StartPortal();
        File.WriteAllText(Path.Combine(marks, "go"), "go");
        await WaitUntilAsync(third, "the job ends", db => db.ScriptJobs.AnyAsync(j => j.Id == jobId
            && j.State != ScriptJobState.Queued && j.State != ScriptJobState.Starting && j.State != ScriptJobState.Running));
        await using (var db = NewDb())
        {
            var job = await db.ScriptJobs.Include(j => j.Tasks).SingleAsync(j => j.Id == jobId);
            var task = Assert.Single(job.Tasks);
            Assert.True(job.State == ScriptJobState.Succeeded, $"The job ended {job.State}: {job.Reason}\n{third.Tail()}");
            Assert.Equal(1, task.Attempt); // followed again, not submitted again
        }
        var kept = await KeptStdoutAsync(tenantId, ownerId, jobId);
        Assert.Equal(Enumerable.Range(1, Lines).Select(i => $"line {i}"), kept.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Single(File.ReadAllLines(Path.Combine(marks, "starts"))); // Slurm started the script once

        // Released: the portal gives the node back and Slurm holds nothing for the lease any more.
        await using (var member = await factory.AsMemberAsync(tenantId, ownerId))
            await member.ServiceProvider.GetRequiredService<LeaseCancelling>().ReleaseAsync(leaseId);
        deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (await ReservationAsync() is not null && DateTime.UtcNow < deadline) await Task.Delay(250);
        Assert.Null(await ReservationAsync());
    }

    /// <summary>A mark per start, ten lines, then it waits for the go-ahead (given after the restart) before ten more.</summary>
    private string Script() => $"""
        echo "$SLURM_JOB_ID" >> '{marks}/starts'
        for i in $(seq 1 10); do echo "line $i"; sleep 0.5; done
        for n in $(seq 1 3000); do [ -f '{marks}/go' ] && break; sleep 0.2; done
        for i in $(seq 11 {Lines}); do echo "line $i"; sleep 0.2; done
        """;

    private PortalProcess StartPortal()
    {
        var portal = PortalProcess.Start(factory.PortalSettings());
        portals.Add(portal);
        return portal;
    }

    private PortalDbContext NewDb() => factory.CreateDbContext(factory.Services.CreateScope()).ActAsSupport();

    private async Task<string> NodeOfLeaseAsync()
    {
        await using var db = NewDb();
        return await db.Allocations.Where(a => a.LeaseId == leaseId && a.Status == AllocationStatus.Firm).Select(a => a.NodeId).SingleAsync();
    }

    private async Task<string> PoolTaskIdAsync(Guid jobId)
    {
        await using var db = NewDb();
        return ScriptJobTaskSpecs.PoolTaskId(await db.ScriptJobTasks.SingleAsync(t => t.JobId == jobId));
    }

    private async Task<List<string>> ReservationsAsync() =>
        [.. (await SlurmCluster.RunAsync("scontrol", "show", "res", "-o")).Stdout.Split('\n')
            .Where(line => line.Contains($"ReservationName=lease-{leaseId:N} "))];

    private async Task<string?> ReservationAsync() => leaseId == default ? null : (await ReservationsAsync()).FirstOrDefault();

    private static async Task<string> SlurmJobAsync(string taskId) =>
        (await SlurmCluster.RunAsync("scontrol", "show", "job", "-o")).Stdout.Split('\n').Single(line => line.Contains($"JobName={taskId} "));

    private async Task<string> KeptStdoutAsync(Guid tenantId, string ownerId, Guid jobId)
    {
        await using var member = await factory.AsMemberAsync(tenantId, ownerId);
        var logs = member.ServiceProvider.GetRequiredService<ScriptJobLogs>();
        var bytes = new List<byte>();
        while (await logs.ReadAsync(jobId, 0, PoolLogStream.Stdout, bytes.Count, 64 * 1024) is { Data.Length: > 0 } chunk)
            bytes.AddRange(chunk.Data);
        return Encoding.UTF8.GetString([.. bytes]);
    }

    private async Task WaitUntilAsync(PortalProcess portal, string what, Func<PortalDbContext, Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            await using (var db = NewDb())
                if (await done(db)) return;
            if (portal.HasExited) throw new InvalidOperationException($"The portal exited while waiting until {what}:\n{portal.Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {Patience}: {what}.\n{portal.Tail()}");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var portal in portals) portal.Dispose();
        if (leaseId != default)
        {
            // A failed run must not leave the lease's jobs and reservation to block the next test's nodes.
            await SlurmCluster.RunAsync("scancel", "-R", $"lease-{leaseId:N}");
            await Task.Delay(1000);
            await SlurmCluster.RunAsync("scontrol", "delete", $"ReservationName=lease-{leaseId:N}");
        }
        await ((IAsyncLifetime)factory).DisposeAsync();
        factory.DeleteFolders();
        try { Directory.Delete(marks, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
