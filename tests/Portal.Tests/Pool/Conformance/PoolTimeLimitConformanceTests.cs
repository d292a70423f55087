using Portal.Core.Pool;

namespace Portal.Tests.Pool.Conformance;

/// <summary>
/// The conformance suite, time limits: a class of their own because Slurm's smallest limit is a minute, so on Slurm the test
/// waits a minute. Its Slurm class runs on a node of its own beside the other Slurm tests (SlurmTimeLimitCollection) instead
/// of adding that minute to the Slurm phase.
/// </summary>
public abstract class PoolTimeLimitConformanceTests(IPoolConformanceFixture fixture) : PoolConformance(fixture)
{
    [Fact]
    public async Task A_task_over_its_time_limit_ends_timed_out()
    {
        var hold = await HoldFreeNodeAsync();
        try
        {
            // One second: the simulator stops it then; Slurm rounds up to its smallest limit, a minute.
            var spec = Spec(hold, "sleep 600\n", timeLimitSeconds: 1);
            Assert.True((await Pool.SubmitTaskAsync(spec)).Succeeded);

            var ended = await WaitFinalAsync(spec.TaskId);

            Assert.Equal(PoolTaskState.TimedOut, ended.State);
            Assert.False(string.IsNullOrEmpty(ended.Reason));
        }
        finally { await ReleaseAllAsync(hold); }
    }
}
