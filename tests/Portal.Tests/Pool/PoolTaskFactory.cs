using Portal.Tests.Infrastructure;

namespace Portal.Tests.Pool;

/// <summary>The portal with its embedded pool sampling task metrics every 200 ms instead of every 10 s.</summary>
public sealed class PoolTaskFactory : PortalFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Pool:MetricsIntervalMs", "200"), new("ScriptJobs:MetricsPollSeconds", "0")];
}
