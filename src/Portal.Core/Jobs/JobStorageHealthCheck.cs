using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Portal.Core.Jobs;

/// <summary>Healthy when the job storage answers and at least one job server is alive (when this process runs one).</summary>
public sealed class JobStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var monitor = storage.GetMonitoringApi();
            var servers = monitor.Servers().Count;
            var stats = monitor.GetStatistics();
            var data = new Dictionary<string, object>
            {
                ["servers"] = servers, ["enqueued"] = stats.Enqueued, ["failed"] = stats.Failed, ["recurring"] = stats.Recurring,
            };
            return Task.FromResult(HealthCheckResult.Healthy($"{servers} job server(s)", data));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Job storage does not answer.", e));
        }
    }
}
