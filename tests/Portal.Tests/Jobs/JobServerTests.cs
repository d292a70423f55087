using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Email;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Jobs;

/// <summary>A host that runs its own Hangfire server, as the portal does by default.</summary>
public sealed class JobServerFactory : PortalFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Jobs:RunServer", "true")];
}

public sealed class JobServerTests(JobServerFactory factory) : IClassFixture<JobServerFactory>
{
    [Fact]
    public async Task A_job_enqueued_by_the_portal_runs_in_the_portals_own_container()
    {
        var client = factory.Services.GetRequiredService<IBackgroundJobClient>();
        var jobId = client.Enqueue<PurgeOutboxJob>(j => j.RunAsync(CancellationToken.None));

        var storage = factory.Services.GetRequiredService<JobStorage>();
        string? state = null;
        // Generous bound: this proves the job runs at all, not how fast (the poll interval is 1 s).
        for (var i = 0; i < 300 && state != SucceededState.StateName && state != FailedState.StateName; i++)
        {
            await Task.Delay(100);
            using var connection = storage.GetConnection();
            state = connection.GetStateData(jobId)?.Name;
        }
        Assert.Equal(SucceededState.StateName, state);
    }
}
