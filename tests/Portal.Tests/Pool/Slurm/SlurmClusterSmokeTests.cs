using System.Text.RegularExpressions;

namespace Portal.Tests.Pool.Slurm;

/// <summary>
/// The cluster scripts/slurm-cluster.sh starts behaves as SLURM-NOTES.md says the driver may rely on: four nodes with
/// eight GPUs, a reservation that only its account may use, and GPU indexes that Slurm reports and the job sees.
/// </summary>
[Trait("Pool", "Slurm")]
[Collection(SlurmClusterCollection.Name)]
public sealed partial class SlurmClusterSmokeTests
{
    [Fact]
    public async Task Four_nodes_with_eight_gpus_each_answer_and_take_jobs()
    {
        var nodes = await SlurmCluster.RunAsync("scontrol", "show", "node", "-o");
        Assert.True(nodes.Succeeded, nodes.ToString());

        var lines = nodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["gpu01", "gpu02", "gpu03", "gpu04"], lines.Select(l => Field(l, "NodeName")).Order());
        foreach (var line in lines)
        {
            Assert.Equal("gpu:8", Field(line, "Gres"));
            // IDLE on a fresh cluster; another class's work may leave it MIXED, ALLOCATED or +COMPLETING, never unusable.
            var state = Field(line, "State");
            Assert.Matches(@"^(IDLE|MIXED|ALLOCATED)(\+[A-Z_]+)*$", state);
            Assert.DoesNotMatch(@"\+(DRAIN|NOT_RESPONDING|FAIL|POWER)", state);
        }
    }

    [Fact]
    public async Task A_reservation_refuses_other_accounts_and_runs_its_own_on_gpus_slurm_reports()
    {
        var name = $"smoke-{Guid.NewGuid():N}";
        var (tenant, stranger) = ($"tenant-a-{name}", $"tenant-b-{name}");
        var folder = Directory.CreateDirectory(Path.Combine(SlurmCluster.JobRoot, name)).FullName;
        // Tenant scripts run as `nobody`: it must be able to write its output into the shared job folder.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111);
        var script = Path.Combine(folder, "job.sh");
        await File.WriteAllTextAsync(script,
            "#!/bin/bash\necho \"gpus=$CUDA_VISIBLE_DEVICES reservation=$SLURM_JOB_RESERVATION user=$(id -un)\"\nsleep 120\n");
        var created = await SlurmCluster.RunAsync("scontrol", "create", "reservation", $"ReservationName={name}",
            "StartTime=now", "Duration=10", "NodeCnt=1", $"Accounts={tenant}");
        Assert.True(created.Succeeded, created.ToString());
        try
        {
            var refused = await Submit(stranger);
            Assert.False(refused.Succeeded);
            Assert.Contains("Access denied", refused.Stderr);

            var submitted = await Submit(tenant);
            Assert.True(submitted.Succeeded, submitted.ToString());
            var jobId = submitted.Stdout.Trim();
            var output = Path.Combine(folder, $"{tenant}.out");
            await WaitUntil(async () => File.Exists(output) && (await File.ReadAllTextAsync(output)).Contains('\n'),
                $"job {jobId} to start and write {output}");

            var job = (await SlurmCluster.RunAsync("scontrol", "show", "job", "-d", jobId)).Stdout;
            var reservation = (await SlurmCluster.RunAsync("scontrol", "show", "res", name, "-o")).Stdout;
            Assert.Equal("RUNNING", Field(job, "JobState"));
            Assert.Equal(name, Field(job, "Reservation"));
            Assert.Equal(Field(reservation, "Nodes"), Field(job, "NodeList"));
            var indexes = GresIndexes().Match(job);
            Assert.True(indexes.Success, $"no GRES=gpu:2(IDX:...) in scontrol show job -d:\n{job}");
            var seen = (await File.ReadAllTextAsync(output)).Trim();
            Assert.Equal($"gpus={string.Join(',', Expand(indexes.Groups[1].Value))} reservation={name} user=nobody", seen);
        }
        finally
        {
            await SlurmCluster.RunAsync("scancel", $"--reservation={name}");
            // A reservation with jobs cannot be deleted until they are gone (KillWait=5 in slurm-cluster.sh).
            await WaitUntil(async () => (await SlurmCluster.RunAsync("scontrol", "delete", $"ReservationName={name}")).Succeeded,
                $"reservation {name} to be deleted");
            Directory.Delete(folder, recursive: true);
        }

        Task<SlurmToolResult> Submit(string account) => SlurmCluster.RunAsync("sbatch", "--parsable", "-J", account, "-A", account,
            $"--reservation={name}", "--gres=gpu:2", "--time=5", "--uid=nobody", "-D", folder, "-o", Path.Combine(folder, $"{account}.out"),
            script);
    }

    /// <summary>The value of <c>Key=value</c> in scontrol's text (the first one).</summary>
    private static string Field(string text, string key) =>
        Regex.Match(text, $@"(?:^|\s){key}=(\S*)") is { Success: true } m ? m.Groups[1].Value : $"(no {key}= in: {text})";

    /// <summary>Slurm's index list ("0-1,4") as CUDA_VISIBLE_DEVICES spells it ("0,1,4").</summary>
    private static IEnumerable<int> Expand(string indexes) =>
        indexes.Split(',').SelectMany(part => part.Split('-') is [var from, var to]
            ? Enumerable.Range(int.Parse(from), int.Parse(to) - int.Parse(from) + 1)
            : [int.Parse(part)]);

    [GeneratedRegex(@"GRES=gpu:2\(IDX:([0-9,\-]+)\)")]
    private static partial Regex GresIndexes();

    /// <summary>Polls a condition; a cluster that never gets there fails with what was awaited, not a hang.</summary>
    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited 60 s for {what}");
            await Task.Delay(200);
        }
    }
}
