using System.Text;
using Portal.Core.Pool;

namespace Portal.Tests.Pool.Conformance;

/// <summary>
/// The conformance suite, tasks: submit, idempotence, exit codes, cancel, logs from an offset, metrics (time limits: in
/// <see cref="PoolTimeLimitConformanceTests"/>).
/// </summary>
public abstract class PoolTaskConformanceTests(IPoolConformanceFixture fixture) : PoolConformance(fixture)
{
    [Fact]
    public async Task A_task_runs_on_its_gpus_once_however_often_it_is_submitted_and_succeeds()
    {
        var hold = await HoldFreeNodeAsync();
        try
        {
            var env = new Dictionary<string, string> { ["GREETING"] = "a, b \"c\" 'd' $HOME" };
            var spec = Spec(hold, "echo \"gpus=$CUDA_VISIBLE_DEVICES\"\necho \"$GREETING\"\n", gpus: 2, environment: env);

            var submitted = await Pool.SubmitTaskAsync(spec);
            var again = await Pool.SubmitTaskAsync(spec);
            var ended = await WaitFinalAsync(spec.TaskId);
            var stdout = await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stdout, 0, 4096);

            Assert.Equal((PoolSubmitOutcome.Submitted, PoolSubmitOutcome.Submitted), (submitted.Outcome, again.Outcome));
            Assert.Equal((PoolTaskState.Succeeded, 0), (ended.State, ended.ExitCode));
            Assert.Equal((hold.NodeId, hold.AllocationId), (ended.NodeId, ended.ReservationId));
            Assert.Equal(2, ended.GpuIndexes.Length);
            Assert.Equal($"gpus={string.Join(',', ended.GpuIndexes)}\na, b \"c\" 'd' $HOME\n", Encoding.UTF8.GetString(stdout!.Data));
            Assert.True(stdout.Complete);
            Assert.Single(await Pool.ListTasksAsync(), t => t.TaskId == spec.TaskId);
        }
        finally { await ReleaseAllAsync(hold); }
    }

    [Fact]
    public async Task A_script_exiting_3_fails_with_exit_code_3_and_its_stderr()
    {
        var hold = await HoldFreeNodeAsync();
        try
        {
            var spec = Spec(hold, "echo oops >&2\nexit 3\n");

            Assert.True((await Pool.SubmitTaskAsync(spec)).Succeeded);
            var ended = await WaitFinalAsync(spec.TaskId);

            Assert.Equal((PoolTaskState.Failed, 3), (ended.State, ended.ExitCode));
            Assert.False(string.IsNullOrEmpty(ended.Reason));
            Assert.Equal("oops\n", Encoding.UTF8.GetString((await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stderr, 0, 100))!.Data));
        }
        finally { await ReleaseAllAsync(hold); }
    }

    [Fact]
    public async Task Logs_from_an_offset_return_exactly_the_missing_bytes()
    {
        var hold = await HoldFreeNodeAsync();
        try
        {
            var spec = Spec(hold, "printf '0123456789abcdef'\n");
            Assert.True((await Pool.SubmitTaskAsync(spec)).Succeeded);
            await WaitFinalAsync(spec.TaskId);

            var middle = await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stdout, 5, 4);
            var rest = await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stdout, 9, 1000);
            var after = await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stdout, 16, 1000);

            Assert.Equal((5L, "5678", false), (middle!.Offset, Encoding.UTF8.GetString(middle.Data), middle.Complete));
            Assert.Equal((9L, "9abcdef", true), (rest!.Offset, Encoding.UTF8.GetString(rest.Data), rest.Complete));
            Assert.Equal((0, true), (after!.Data.Length, after.Complete));
        }
        finally { await ReleaseAllAsync(hold); }
    }

    [Fact]
    public async Task Cancelling_a_running_task_ends_it_cancelled_with_the_metrics_the_pool_sampled_and_only_then_can_it_be_forgotten()
    {
        var hold = await HoldFreeNodeAsync();
        try
        {
            var spec = Spec(hold, "echo started\nsleep 300\n", gpus: 2);
            Assert.True((await Pool.SubmitTaskAsync(spec)).Succeeded);
            var running = await WaitRunningAsync(spec.TaskId, t => t.StdoutBytes > 0);
            IReadOnlyList<PoolGpuSample> samples = [];
            var until = DateTime.UtcNow.AddSeconds(30);
            for (; Fixture.SamplesGpuMetrics && samples.Count == 0 && DateTime.UtcNow < until; await Task.Delay(100))
                samples = await Pool.ReadMetricsAsync(spec.TaskId, null);
            if (!Fixture.SamplesGpuMetrics) samples = await Pool.ReadMetricsAsync(spec.TaskId, null);

            var forgottenWhileRunning = await Pool.ForgetTaskAsync(spec.TaskId);
            Assert.True(await Pool.CancelTaskAsync(spec.TaskId, TimeSpan.FromSeconds(2)));
            Assert.True(await Pool.CancelTaskAsync(spec.TaskId, TimeSpan.FromSeconds(2))); // idempotent
            var ended = await WaitFinalAsync(spec.TaskId);
            var forgotten = await Pool.ForgetTaskAsync(spec.TaskId);
            var forgottenAgain = await Pool.ForgetTaskAsync(spec.TaskId); // idempotent: nothing left is not an error

            Assert.Equal((false, true, true), (forgottenWhileRunning, forgotten, forgottenAgain));
            Assert.Null(await Pool.GetTaskAsync(spec.TaskId));
            Assert.Null(await Pool.ReadLogAsync(spec.TaskId, PoolLogStream.Stdout, 0, 100));

            Assert.Equal(PoolTaskState.Cancelled, ended.State);
            Assert.Equal(2, running.GpuIndexes.Length);
            if (Fixture.SamplesGpuMetrics) Assert.All(samples, s => Assert.Contains(s.GpuIndex, running.GpuIndexes));
            else Assert.Empty(samples);
            Assert.Equal(Fixture.SamplesGpuMetrics, samples.Count > 0);
        }
        finally { await ReleaseAllAsync(hold); }
    }

    [Fact]
    public async Task Tasks_asked_for_by_id_come_back_running_or_ended_each_once_and_an_unknown_id_is_left_out()
    {
        var hold = await HoldFreeNodeAsync();
        try
        {
            var (ended, running) = (Spec(hold, "exit 3\n"), Spec(hold, "sleep 120\n"));
            Assert.True((await Pool.SubmitTaskAsync(ended)).Succeeded);
            Assert.True((await Pool.SubmitTaskAsync(running)).Succeeded);
            await WaitFinalAsync(ended.TaskId);
            await WaitRunningAsync(running.TaskId);

            var statuses = await Pool.GetTasksAsync([ended.TaskId, running.TaskId, "conf-never-submitted", ended.TaskId]);

            Assert.Equal([(ended.TaskId, PoolTaskState.Failed, (int?)3), (running.TaskId, PoolTaskState.Running, null)],
                statuses.OrderBy(t => t.TaskId == running.TaskId).Select(t => (t.TaskId, t.State, t.ExitCode)));
            await Pool.CancelTaskAsync(running.TaskId, TimeSpan.Zero);
        }
        finally { await ReleaseAllAsync(hold); }
    }

    [Fact]
    public async Task Tasks_the_pool_cannot_place_are_refused_with_their_reason()
    {
        var hold = await HoldFreeNodeAsync();
        try
        {
            var elsewhere = Spec(hold with { LeaseId = Guid.NewGuid(), AllocationId = Guid.NewGuid() }, "true\n");
            var noReservation = await Pool.SubmitTaskAsync(elsewhere);
            var tooMany = await Pool.SubmitTaskAsync(Spec(hold, "true\n", gpus: hold.Gpus + 1));
            Assert.True(await Pool.SetNodeStateAsync(hold.NodeId, Core.Catalog.NodeState.Maintenance));
            PoolSubmitResult notReady;
            try { notReady = await Pool.SubmitTaskAsync(Spec(hold, "true\n")); }
            finally { await Pool.SetNodeStateAsync(hold.NodeId, Core.Catalog.NodeState.Ready); }

            Assert.Equal((PoolSubmitOutcome.NoReservation, PoolSubmitOutcome.InsufficientGpus, PoolSubmitOutcome.NodeNotReady),
                (noReservation.Outcome, tooMany.Outcome, notReady.Outcome));
            Assert.All(new[] { noReservation, tooMany, notReady }, r => Assert.False(string.IsNullOrWhiteSpace(r.Message)));
            Assert.Null(await Pool.GetTaskAsync(elsewhere.TaskId));
        }
        finally { await ReleaseAllAsync(hold); }
    }
}
