using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// A launch moves its input files into the job's folder just before its rows commit: a process that dies in between leaves
/// a folder no job names. The hourly purge deletes such folders once no launch can still be on its way, and nothing else.
/// </summary>
public sealed class ScriptJobOrphanFolderTests(ScriptJobOutputFactory portal) : IClassFixture<ScriptJobOutputFactory>
{
    [Fact]
    public async Task Purge_deletes_an_old_job_folder_whose_launch_never_committed_and_keeps_fresh_and_committed_ones()
    {
        var files = portal.Get<ScriptJobFiles>();
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var committed = await portal.NewJobAsync(tenantId, ownerId);
        var orphan = InputsFolder(files, Guid.NewGuid(), hoursOld: 2); // moved into place, then the process died
        var inFlight = InputsFolder(files, Guid.NewGuid(), hoursOld: 0); // moved a moment ago, its commit still to come
        var kept = InputsFolder(files, committed.Id, hoursOld: 2);

        await RunPurgeAsync();

        Assert.False(Directory.Exists(Path.GetDirectoryName(orphan)));
        Assert.True(File.Exists(Path.Combine(inFlight, "data.csv")));
        Assert.True(File.Exists(Path.Combine(kept, "data.csv")));

        await RunPurgeAsync(); // idempotent: nothing left to delete, nothing else touched
        Assert.True(File.Exists(Path.Combine(kept, "data.csv")));
    }

    private static string InputsFolder(ScriptJobFiles files, Guid jobId, int hoursOld)
    {
        var inputs = files.InputsFolder(jobId);
        Directory.CreateDirectory(inputs);
        File.WriteAllText(Path.Combine(inputs, "data.csv"), "a,b\n1,2\n");
        Directory.SetLastWriteTimeUtc(files.JobFolder(jobId), DateTime.UtcNow.AddHours(-hoursOld));
        return inputs;
    }

    private async Task RunPurgeAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PurgeScriptJobOutputJob>().RunAsync();
    }
}
