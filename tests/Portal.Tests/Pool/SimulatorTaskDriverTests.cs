using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Pool;

namespace Portal.Tests.Pool;

/// <summary>The driver's task calls against the embedded simulator, over HTTP like any pool.</summary>
public sealed class SimulatorTaskDriverTests(PoolTaskFactory factory) : IClassFixture<PoolTaskFactory>
{
    private IGpuPoolDriver Pool => factory.Services.GetRequiredService<IGpuPoolDriver>();

    private static PoolTaskSpec Spec(string node, Guid reservation, string script, int gpus = 1, string? profile = null,
        IReadOnlyList<PoolTaskFile>? files = null) =>
        new("drv-" + Guid.NewGuid().ToString("N")[..12], node, reservation, gpus, script,
            new Dictionary<string, string> { ["PORTAL_TASK_INDEX"] = "2" }, files ?? [], 0, profile);

    private async Task<Guid> ReserveAsync(string node, int gpus)
    {
        var reservation = Guid.NewGuid();
        Assert.True((await Pool.ReserveAsync(node, reservation, gpus)).Succeeded);
        return reservation;
    }

    private async Task<PoolTaskStatus> WaitEndedAsync(string taskId)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(50))
            if (await Pool.GetTaskAsync(taskId) is { IsFinal: true } task) return task;
        throw new TimeoutException($"Task {taskId} did not end within 60 s.");
    }

    [Fact]
    public async Task A_submitted_task_runs_and_its_state_logs_and_exit_code_come_back_through_the_driver()
    {
        const string node = "us-south-1-h100-001";
        var reservation = await ReserveAsync(node, 2);
        var spec = Spec(node, reservation, "echo \"task $PORTAL_TASK_INDEX on $CUDA_VISIBLE_DEVICES\"\necho oops >&2\nexit 3\n", gpus: 2);

        var submitted = await Pool.SubmitTaskAsync(spec);
        var again = await Pool.SubmitTaskAsync(spec);
        var ended = await WaitEndedAsync(spec.TaskId);

        Assert.Equal(PoolSubmitOutcome.Submitted, submitted.Outcome);
        Assert.Equal(PoolSubmitOutcome.Submitted, again.Outcome);
        Assert.Equal(reservation, submitted.Task!.ReservationId);
        Assert.Equal((PoolTaskState.Failed, 3, "Exited with code 3"), (ended.State, ended.ExitCode, ended.Reason));
        Assert.Equal([0, 1], ended.GpuIndexes);
        var stdout = await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stdout, 0, 1024);
        Assert.Equal("task 2 on 0,1\n", Encoding.UTF8.GetString(stdout!.Data));
        Assert.True(stdout.Complete);
        var rest = await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stdout, 5, 1024);
        Assert.Equal((5L, "2 on 0,1\n"), (rest!.Offset, Encoding.UTF8.GetString(rest.Data)));
        Assert.Equal("oops\n", Encoding.UTF8.GetString((await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stderr, 0, 1024))!.Data));
        Assert.Single(await Pool.ListTasksAsync(), t => t.TaskId == spec.TaskId && t.ReservationId == reservation);
        // The embedded pool runs its tasks under Pool:TaskRoot.
        var taskRoot = factory.Services.GetRequiredService<IConfiguration>()["Pool:TaskRoot"]!;
        Assert.True(File.Exists(Path.Combine(taskRoot, spec.TaskId, "work", "job.sh")));
    }

    [Fact]
    public async Task Refusals_map_to_their_outcomes_and_unknown_tasks_to_null_or_false()
    {
        const string node = "us-south-1-h100-002";
        var reservation = await ReserveAsync(node, 1);

        var tooMany = await Pool.SubmitTaskAsync(Spec(node, reservation, "true\n", gpus: 2));
        var noReservation = await Pool.SubmitTaskAsync(Spec(node, Guid.NewGuid(), "true\n"));
        Assert.True(await Pool.SetNodeStateAsync(node, NodeState.Maintenance));
        var notReady = await Pool.SubmitTaskAsync(Spec(node, reservation, "true\n"));
        Assert.True(await Pool.SetNodeStateAsync(node, NodeState.Ready));

        Assert.Equal(PoolSubmitOutcome.InsufficientGpus, tooMany.Outcome);
        Assert.False(string.IsNullOrEmpty(tooMany.Message));
        Assert.Equal(PoolSubmitOutcome.NoReservation, noReservation.Outcome);
        Assert.Equal(PoolSubmitOutcome.NodeNotReady, notReady.Outcome);
        Assert.Null(await Pool.GetTaskAsync("never-submitted"));
        Assert.Null(await Pool.ReadLogAsync("never-submitted", PoolLogStream.Stdout, 0, 10));
        Assert.False(await Pool.CancelTaskAsync("never-submitted", TimeSpan.Zero));
    }

    [Fact]
    public async Task Cancelling_through_the_driver_stops_the_task_as_cancelled()
    {
        const string node = "us-south-1-h100-003";
        var spec = Spec(node, await ReserveAsync(node, 1), "echo started\nsleep 300\n");
        Assert.True((await Pool.SubmitTaskAsync(spec)).Succeeded);

        Assert.True(await Pool.CancelTaskAsync(spec.TaskId, TimeSpan.FromSeconds(5)));
        var ended = await WaitEndedAsync(spec.TaskId);

        Assert.Equal(PoolTaskState.Cancelled, ended.State);
    }

    [Fact]
    public async Task Metrics_arrive_every_interval_with_the_three_dcgm_fields()
    {
        const string node = "us-south-1-h100-004";
        var spec = Spec(node, await ReserveAsync(node, 2), "sleep 300\n", gpus: 2);
        Assert.True((await Pool.SubmitTaskAsync(spec)).Succeeded);

        IReadOnlyList<PoolGpuSample> samples = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(60); samples.Count < 8 && DateTime.UtcNow < deadline; await Task.Delay(100))
            samples = await Pool.ReadMetricsAsync(spec.TaskId, null);
        var later = await Pool.ReadMetricsAsync(spec.TaskId, samples[3].At);
        await Pool.CancelTaskAsync(spec.TaskId, TimeSpan.Zero);

        Assert.Equal([0, 1], samples.Select(s => s.GpuIndex).Distinct().Order());
        Assert.All(samples, s => Assert.True(s.FbUsedMiB > 0 && s.PowerUsageWatts > 0 && s.GpuUtil >= 0 && s.At.Kind == DateTimeKind.Utc));
        Assert.All(later, s => Assert.True(s.At > samples[3].At));
        Assert.True(later.Count >= 4);
    }

    [Fact]
    public async Task A_50_mb_submit_and_a_5_mb_log_read_go_through()
    {
        const string node = "us-south-1-h200-001";
        var big = new byte[50 * 1024 * 1024];
        Random.Shared.NextBytes(big);
        var spec = Spec(node, await ReserveAsync(node, 1), "wc -c < input.bin\nhead -c 5000000 /dev/zero >&2\n",
            files: [new PoolTaskFile("input.bin", big)]);

        var submitted = await Pool.SubmitTaskAsync(spec);
        var ended = await WaitEndedAsync(spec.TaskId);
        var stderr = await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stderr, 0, 8 * 1024 * 1024);

        Assert.Equal(PoolSubmitOutcome.Submitted, submitted.Outcome);
        Assert.Equal(PoolTaskState.Succeeded, ended.State);
        Assert.Equal($"{big.Length}\n", Encoding.UTF8.GetString((await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stdout, 0, 100))!.Data));
        Assert.Equal(5_000_000, stderr!.Data.Length);
        Assert.True(stderr.Complete);
    }
}
