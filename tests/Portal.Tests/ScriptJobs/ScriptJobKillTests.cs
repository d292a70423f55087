using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Xunit.Abstractions;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// Issue 14: "Killing the portal while jobs run must not kill or duplicate them: on restart the portal re-attaches (state,
/// logs and metrics continue)". The real portal runs as a process of its own with its job server and embedded simulator;
/// the test kills it with SIGKILL while a job prints numbered lines, checks the job's process lives on, starts the portal
/// again on the same database and task folder, and reads what the portal kept.
/// </summary>
public sealed class ScriptJobKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Lines = 20;
    /// <summary>Generous: a cold portal start on a busy two-core machine takes many seconds; nothing here is a timed assertion.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly ScriptJobKillFactory factory = new();
    private readonly List<PortalProcess> portals = [];
    private string? marks;

    public async Task InitializeAsync()
    {
        await factory.InitializeAsync();
        marks = factory.Marks;
    }

    [Fact]
    public async Task A_job_outlives_a_killed_portal_and_the_restarted_portal_reattaches_without_losing_or_doubling_anything()
    {
        var (tenantId, ownerId, leaseId) = await factory.SignedLeaseAsync(gpus: 2);
        var first = StartPortal();
        await WaitUntilAsync(first, "the lease is Active", async db =>
            await db.Leases.AnyAsync(l => l.Id == leaseId && l.State == LeaseState.Active));

        Guid jobId;
        await using (var member = await factory.AsMemberAsync(tenantId, ownerId))
            jobId = (await member.ServiceProvider.GetRequiredService<ScriptJobLaunching>()
                .LaunchAsync(leaseId, new ScriptJobRequest("survives a killed portal", Script(marks!), GpusPerTask: 1))).Id;

        // Running, with some of its lines already kept by the portal: then the portal dies.
        await WaitUntilAsync(first, "the job runs and its first lines are kept", async db =>
            await db.ScriptJobs.AnyAsync(j => j.Id == jobId && j.State == ScriptJobState.Running)
            && (await KeptStdoutAsync(tenantId, ownerId, jobId)).Contains("line 3\n"));
        await first.KillAsync();
        var killedAt = DateTime.UtcNow;
        var pid = int.Parse(Starts().Single());
        Assert.True(IsAlive(pid), $"The job's process {pid} died with the portal.");
        output.WriteLine($"portal {first.Id} killed; the job's script {pid} still runs");

        var second = StartPortal();
        // The restarted portal follows the task again: the pool's GPU samples taken after the kill reach the job.
        await WaitUntilAsync(second, "GPU samples taken after the restart are kept", async db =>
            await db.ScriptJobSamples.AnyAsync(s => s.JobId == jobId && s.At > killedAt));
        await File.WriteAllTextAsync(Path.Combine(marks!, "go"), "go"); // the script prints its second half now
        await WaitUntilAsync(second, "the job ends", async db =>
            await db.ScriptJobs.AnyAsync(j => j.Id == jobId
                && j.State != ScriptJobState.Queued && j.State != ScriptJobState.Starting && j.State != ScriptJobState.Running));

        using var scope = factory.Services.CreateScope();
        await using var check = factory.CreateDbContext(scope);
        var job = await check.ScriptJobs.Include(j => j.Tasks).SingleAsync(j => j.Id == jobId);
        var task = Assert.Single(job.Tasks);
        Assert.True(job.State == ScriptJobState.Succeeded, $"The job ended {job.State}: {job.Reason}\n{second.Tail()}");
        Assert.Equal(0, task.ExitCode);
        Assert.Equal(1, task.Attempt); // followed again, not submitted again

        var kept = await KeptStdoutAsync(tenantId, ownerId, jobId);
        Assert.Equal(Enumerable.Range(1, Lines).Select(i => $"line {i}"), kept.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal([pid.ToString()], Starts()); // started once, by the first portal
        var samplesAfterKill = await check.ScriptJobSamples.CountAsync(s => s.JobId == jobId && s.At > killedAt);
        Assert.True(samplesAfterKill > 0, "No GPU samples from after the restart.");
        output.WriteLine($"job {jobId}: {job.State}, {kept.Length} bytes of stdout kept, {samplesAfterKill} samples after the restart");
    }

    /// <summary>
    /// Numbered lines, slowly; a mark for every start (its pid); then it waits for the test's go-ahead (given once the restarted
    /// portal follows it) before the second half, so the kill and the restart never race the script. It gives up waiting after
    /// ten minutes so that nothing outlives a broken run for long.
    /// </summary>
    private static string Script(string marks) => $"""
        echo "$$" >> '{marks}/starts'
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

    private string[] Starts() =>
        File.Exists(Path.Combine(marks!, "starts")) ? File.ReadAllLines(Path.Combine(marks!, "starts")) : [];

    /// <summary>Alive and not a zombie (/proc/pid/stat's state field).</summary>
    private static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        var text = File.ReadAllText(stat);
        return text[(text.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X');
    }

    /// <summary>The job's stdout as the portal kept it, read the way its pages and API read it (by byte offset).</summary>
    private async Task<string> KeptStdoutAsync(Guid tenantId, string ownerId, Guid jobId)
    {
        await using var member = await factory.AsMemberAsync(tenantId, ownerId);
        var logs = member.ServiceProvider.GetRequiredService<ScriptJobLogs>();
        var bytes = new List<byte>();
        while (await logs.ReadAsync(jobId, 0, PoolLogStream.Stdout, bytes.Count, 64 * 1024) is { Data.Length: > 0 } chunk)
            bytes.AddRange(chunk.Data);
        return Encoding.UTF8.GetString([.. bytes]);
    }

    private async Task WaitUntilAsync(PortalProcess portal, string what, Func<Portal.Core.Data.PortalDbContext, Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            using (var scope = factory.Services.CreateScope())
            await using (var db = factory.CreateDbContext(scope))
                if (await done(db)) return;
            if (portal.HasExited) throw new InvalidOperationException($"The portal exited while waiting until {what}:\n{portal.Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {Patience}: {what}.\n{portal.Tail()}");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var portal in portals) portal.Dispose();
        // A failed run may leave the script waiting for its go-ahead: stop it rather than let it wait ten minutes.
        if (marks is not null)
            foreach (var pid in Starts().Select(int.Parse).Where(IsAlive))
                try { System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true); } catch (ArgumentException) { }
        await ((IAsyncLifetime)factory).DisposeAsync();
        factory.DeleteFolders();
    }
}
