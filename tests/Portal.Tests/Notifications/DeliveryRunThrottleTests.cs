using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Notifications;

namespace Portal.Tests.Notifications;

/// <summary>
/// The "one delivery run per second" throttle belongs to one portal: a second portal in the same process (as in the
/// tests, or two hosts) still queues its own run, while a burst in one portal still queues one.
/// </summary>
public sealed class DeliveryRunThrottleTests
{
    [Fact]
    public void Each_portal_queues_its_own_delivery_run_and_a_burst_in_one_portal_queues_one()
    {
        var (first, firstJobs) = NewPortal();
        var (second, secondJobs) = NewPortal();
        var tenantId = Guid.NewGuid();

        NotifyAfterCommit(first, tenantId);
        NotifyAfterCommit(first, tenantId);
        NotifyAfterCommit(second, tenantId);

        Assert.Equal(1, firstJobs.Created);
        Assert.Equal(1, secondJobs.Created);
    }

    private static void NotifyAfterCommit(ServiceProvider portal, Guid tenantId)
    {
        using var scope = portal.CreateScope();
        scope.ServiceProvider.GetRequiredService<Notifier>().AfterCommit(tenantId);
    }

    private static (ServiceProvider Portal, RecordingJobClient Jobs) NewPortal()
    {
        var jobs = new RecordingJobClient();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddSingleton<IBackgroundJobClient>(jobs)
            .AddPortalNotifications();
        return (services.BuildServiceProvider(), jobs);
    }

    private sealed class RecordingJobClient : IBackgroundJobClient
    {
        public int Created { get; private set; }

        public string Create(Job job, IState state)
        {
            Created++;
            return Created.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => true;
    }
}
